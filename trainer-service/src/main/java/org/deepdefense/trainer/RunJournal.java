package org.deepdefense.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.jboss.logging.Logger;

/**
 * Accepted requests on disk, one file per run id, from the moment the service acknowledges the Kafka record
 * until the run ends. The offset is committed on acceptance, so this journal, not Kafka, is what brings queued
 * and interrupted runs back after a restart (they resume from their latest checkpoint).
 */
final class RunJournal {
    private static final Logger LOG = Logger.getLogger(RunJournal.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = ".json";

    private record Entry(long acceptedAtMillis, String topic, int partition, long offset, String key,
            String payloadBase64) {}

    private final Path dir;

    RunJournal(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    /** Durable once this returns: written to a temporary file, forced to disk, then renamed into place. */
    void record(Accepted accepted) throws IOException {
        Entry entry = new Entry(System.currentTimeMillis(), accepted.topic(), accepted.partition(), accepted.offset(),
                accepted.key(), Base64.getEncoder().encodeToString(accepted.payload()));
        byte[] json = JSON.writeValueAsBytes(entry);
        AtomicFiles.write(file(accepted.runId()), out -> out.write(json));
    }

    void remove(String runId) throws IOException {
        Files.deleteIfExists(file(runId));
    }

    /** The journalled requests, oldest first; unreadable entries are logged and deleted. */
    List<Accepted> pending() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.filter(p -> p.getFileName().toString().endsWith(SUFFIX)
                    && !p.getFileName().toString().startsWith(".")).toList();
        }
        record Found(long acceptedAtMillis, Accepted accepted) {}
        List<Found> found = new ArrayList<>();
        for (Path file : files) {
            try {
                Entry e = JSON.readValue(file.toFile(), Entry.class);
                byte[] payload = Base64.getDecoder().decode(e.payloadBase64());
                found.add(new Found(e.acceptedAtMillis(), new Accepted(Messages.parseTrainingRequest(payload),
                        e.topic(), e.partition(), e.offset(), e.key(), payload)));
            } catch (IOException | IllegalArgumentException | InvalidMessageException e) {
                LOG.errorf("dropping unreadable journal entry %s: %s", file, e.getMessage());
                Files.deleteIfExists(file);
            }
        }
        return found.stream().sorted(Comparator.comparingLong(Found::acceptedAtMillis)).map(Found::accepted).toList();
    }

    private Path file(String runId) {
        // Run ids are single safe path segments (checked by the message schema), so this stays inside dir.
        return dir.resolve(runId + SUFFIX);
    }
}
