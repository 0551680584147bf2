package org.deepdefense.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.messages.TrainingRequest;

/**
 * The sweeps whose training requests are all on the broker, one file per sweep id in a directory every trainer
 * replica shares (under the checkpoint store by default), so that a redelivered sweep, on whichever replica, is
 * recognised and publishes nothing. A sweep is recorded only after its last request was acknowledged by the broker;
 * a crash before that republishes the requests, which the trainers then take as duplicates of runs already queued,
 * running or finished.
 */
final class SweepLedger {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** @param sha256 of the sweep's canonical JSON: another sweep under the same id is told apart from a redelivery */
    record Entry(String sweepId, String sha256, List<String> runIds, long expandedAtMillis) {}

    private final Path dir;

    SweepLedger(Path dir) throws IOException {
        this.dir = Files.createDirectories(dir);
    }

    Optional<Entry> find(String sweepId) throws IOException {
        Path file = file(sweepId);
        return Files.exists(file) ? Optional.of(JSON.readValue(file.toFile(), Entry.class)) : Optional.empty();
    }

    /** Durable once this returns. */
    void record(SweepRequest sweep, List<TrainingRequest> requests) throws IOException {
        byte[] json = JSON.writeValueAsBytes(new Entry(sweep.sweepId(), sha256(sweep),
                requests.stream().map(TrainingRequest::runId).toList(), System.currentTimeMillis()));
        AtomicFiles.write(file(sweep.sweepId()), out -> out.write(json));
    }

    static String sha256(SweepRequest sweep) {
        try {
            // Messages.toJson writes every field, defaults filled in: equal sweeps give equal bytes.
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Messages.toJson(sweep)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private Path file(String sweepId) {
        // Sweep ids are single safe path segments (checked by the message schema), so this stays inside dir.
        return dir.resolve(sweepId + ".json");
    }
}
