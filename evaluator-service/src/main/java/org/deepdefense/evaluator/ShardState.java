package org.deepdefense.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The evaluator's bookkeeping on disk, so that a restart (or a kill -9) loses nothing: the Kafka offsets of the
 * records it has acknowledged are committed, so those records never come back, and what they carried must be
 * here. One folder per checkpoint holds {@code origin} (where and when the evaluator first heard of it),
 * {@code checkpoint.json}, {@code plan.json} and one {@code shard-<n>.json} per accepted result, each written
 * atomically before its record is acknowledged; then {@code report.json} once the report is on the broker, or
 * {@code failure.json} (the dead letter that said why there is none). The shards stay, so that a late copy of one
 * can still be compared with what the report used. Only open checkpoints are held in memory; reports and
 * results are read from here when asked for. The folder is the evaluator's volume in Kubernetes (one replica).
 */
@ApplicationScoped
public class ShardState {
    private static final String ORIGIN = "origin";
    private static final String CHECKPOINT = "checkpoint.json";
    private static final String PLAN = "plan.json";
    private static final String REPORT = "report.json";
    private static final String FAILURE = "failure.json";
    private static final String SHARD_PREFIX = "shard-";

    /** Where a checkpoint's bookkeeping stands. */
    public enum Status { UNKNOWN, OPEN, REPORTED, FAILED }

    /** The record that opened a checkpoint's bookkeeping, and when. */
    public record Origin(String topic, int partition, long offset, Instant opened) {}

    /** An open checkpoint as an earlier process left it. */
    public record Open(String checkpointId, Origin origin, CheckpointPublished checkpoint, ShardPlan plan,
            BitSet shards) {}

    private final Path dir;

    ShardState(@ConfigProperty(name = "deepdefense.evaluator.state-dir") Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** The state directory; folders whose names start with '.' are not checkpoints (ids cannot start so). */
    public Path dir() {
        return dir;
    }

    public Status status(String checkpointId) {
        Path folder = dir.resolve(checkpointId);
        if (Files.exists(folder.resolve(REPORT))) {
            return Status.REPORTED;
        } else if (Files.exists(folder.resolve(FAILURE))) {
            return Status.FAILED;
        }
        return Files.exists(folder.resolve(ORIGIN)) ? Status.OPEN : Status.UNKNOWN;
    }

    public void open(String checkpointId, Origin origin) {
        byte[] line = (origin.topic() + " " + origin.partition() + " " + origin.offset() + " "
                + origin.opened().toEpochMilli()).getBytes(StandardCharsets.US_ASCII);
        write(checkpointId, ORIGIN, line);
    }

    public void save(CheckpointPublished checkpoint) {
        write(checkpoint.checkpointId(), CHECKPOINT, Messages.toJson(checkpoint));
    }

    public void save(ShardPlan plan) {
        write(plan.checkpointId(), PLAN, Messages.toJson(plan));
    }

    public void save(ShardResult result) {
        write(result.checkpointId(), SHARD_PREFIX + result.shard() + ".json", Messages.toJson(result));
    }

    /** Records that the report is published. */
    public void saveReport(RobustnessReportMessage report) {
        write(report.checkpointId(), REPORT, Messages.toJson(report));
    }

    /** Records that the checkpoint failed, with the dead letter that said so. */
    public void saveFailure(String checkpointId, DeadLetter letter) {
        write(checkpointId, FAILURE, Messages.toJson(letter));
    }

    public Optional<CheckpointPublished> checkpoint(String checkpointId) {
        return read(checkpointId, CHECKPOINT, Messages::parseCheckpointPublished);
    }

    public Optional<ShardPlan> plan(String checkpointId) {
        return read(checkpointId, PLAN, Messages::parseShardPlan);
    }

    public Optional<ShardResult> result(String checkpointId, int shard) {
        return read(checkpointId, SHARD_PREFIX + shard + ".json", Messages::parseShardResult);
    }

    public Optional<RobustnessReportMessage> report(String checkpointId) {
        return read(checkpointId, REPORT, Messages::parseRobustnessReport);
    }

    public Optional<DeadLetter> failure(String checkpointId) {
        return read(checkpointId, FAILURE, Messages::parseDeadLetter);
    }

    /** Every published report, oldest first; read once at start-up to index them. */
    public List<RobustnessReportMessage> reports() {
        List<RobustnessReportMessage> reports = new ArrayList<>();
        for (Path folder : folders()) {
            report(folder.getFileName().toString()).ifPresent(reports::add);
        }
        reports.sort((a, b) -> Instant.parse(a.timestamp()).compareTo(Instant.parse(b.timestamp())));
        return reports;
    }

    /** The checkpoints neither reported nor failed, as the last process left them. */
    public List<Open> open() {
        List<Open> open = new ArrayList<>();
        for (Path folder : folders()) {
            String id = folder.getFileName().toString();
            if (status(id) != Status.OPEN) {
                continue;
            }
            BitSet shards = new BitSet();
            try (Stream<Path> files = Files.list(folder)) {
                files.map(f -> f.getFileName().toString())
                        .filter(name -> name.startsWith(SHARD_PREFIX) && name.endsWith(".json"))
                        .forEach(name -> shards.set(Integer.parseInt(
                                name.substring(SHARD_PREFIX.length(), name.length() - ".json".length()))));
                String[] origin = Files.readString(folder.resolve(ORIGIN), StandardCharsets.US_ASCII).split(" ");
                open.add(new Open(id, new Origin(origin[0], Integer.parseInt(origin[1]), Long.parseLong(origin[2]),
                        Instant.ofEpochMilli(Long.parseLong(origin[3]))), checkpoint(id).orElse(null),
                        plan(id).orElse(null), shards));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return open;
    }

    private List<Path> folders() {
        try (Stream<Path> folders = Files.list(dir)) {
            return folders.filter(f -> Files.isDirectory(f) && !f.getFileName().toString().startsWith("."))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private <T extends Message> Optional<T> read(String checkpointId, String name, Function<byte[], T> parse) {
        Path file = dir.resolve(checkpointId).resolve(name);
        try {
            return Files.exists(file) ? Optional.of(parse.apply(Files.readAllBytes(file))) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String checkpointId, String name, byte[] content) {
        try {
            // Ids are checked against [A-Za-z0-9][A-Za-z0-9._-]*: safe as a folder name.
            Path folder = Files.createDirectories(dir.resolve(checkpointId));
            AtomicFiles.write(folder.resolve(name), out -> out.write(content));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
