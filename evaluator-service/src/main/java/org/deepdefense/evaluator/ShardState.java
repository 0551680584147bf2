package org.deepdefense.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The evaluator's bookkeeping on disk, so that a restart (or a kill -9) loses nothing: the Kafka offsets of the
 * records it has acknowledged are committed, so those records never come back, and what they carried must be
 * here. One folder per checkpoint holds {@code checkpoint.json} and one {@code shard-<attack>-<n>.json} per
 * shard result, each written atomically before its record is acknowledged; once the report is on the broker,
 * {@code report.json} replaces them. The folder is the evaluator's volume in Kubernetes (one replica).
 */
@ApplicationScoped
public class ShardState {
    private static final String CHECKPOINT = "checkpoint.json";
    private static final String REPORT = "report.json";
    private static final String SHARD_PREFIX = "shard-";

    /** What an earlier run of the evaluator left. */
    public record Saved(List<CheckpointPublished> checkpoints, List<ShardResult> results,
            List<RobustnessReportMessage> reports) {}

    private final Path dir;
    private final Saved restored;

    ShardState(@ConfigProperty(name = "deepdefense.evaluator.state-dir") Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
        this.restored = read();
    }

    /** The state directory; folders whose names start with '.' are not checkpoints (ids cannot start so). */
    public Path dir() {
        return dir;
    }

    /** The state as it was when this process started. */
    public Saved restored() {
        return restored;
    }

    public void save(CheckpointPublished checkpoint) {
        write(checkpoint.checkpointId(), CHECKPOINT, checkpoint);
    }

    public void save(ShardResult result) {
        write(result.checkpointId(), SHARD_PREFIX + result.shard() + ".json", result);
    }

    /** Records that the report is published and forgets what it was made of. */
    public void saveReport(RobustnessReportMessage report) {
        write(report.checkpointId(), REPORT, report);
        try (Stream<Path> files = Files.list(dir.resolve(report.checkpointId()))) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals(REPORT)).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(String checkpointId, String name, Message message) {
        try {
            // Ids are checked against [A-Za-z0-9][A-Za-z0-9._-]*: safe as a folder name.
            Path folder = Files.createDirectories(dir.resolve(checkpointId));
            byte[] json = Messages.toJson(message);
            AtomicFiles.write(folder.resolve(name), out -> out.write(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Saved read() throws IOException {
        List<CheckpointPublished> checkpoints = new ArrayList<>();
        List<ShardResult> results = new ArrayList<>();
        List<RobustnessReportMessage> reports = new ArrayList<>();
        try (Stream<Path> folders = Files.list(dir)) {
            for (Path folder : folders.filter(f -> Files.isDirectory(f) && !f.getFileName().toString().startsWith("."))
                    .sorted().toList()) {
                Path report = folder.resolve(REPORT);
                if (Files.exists(report)) {
                    reports.add(Messages.parseRobustnessReport(Files.readAllBytes(report)));
                    continue;
                }
                try (Stream<Path> files = Files.list(folder)) {
                    for (Path file : files.sorted().toList()) {
                        String name = file.getFileName().toString();
                        if (name.equals(CHECKPOINT)) {
                            checkpoints.add(Messages.parseCheckpointPublished(Files.readAllBytes(file)));
                        } else if (name.startsWith(SHARD_PREFIX) && name.endsWith(".json")) {
                            results.add(Messages.parseShardResult(Files.readAllBytes(file)));
                        }
                    }
                }
            }
        }
        return new Saved(checkpoints, results, reports);
    }
}
