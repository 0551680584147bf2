package org.deepdefense.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** One valid record of each type, and a way to derive broken JSON from it. */
final class Samples {

    static final String SHA = "0123456789abcdef".repeat(4);
    static final String NOW = "2025-01-31T12:00:00Z";
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private Samples() {
    }

    static TrainingRequest request() {
        return new TrainingRequest(1, "run-1", "mnist", "lenet", "deepdefense", "run-0/final", SHA,
                new Hyperparameters(3, 50, 1e-3, 0.9, 5e-4, 15, 25, 5, 5, 0.02, false, 1e-3, 4, 0.3),
                42, List.of("deepfool", "fgs", "pgd-linf"), 1000, 500);
    }

    static TrainingProgress progress() {
        return new TrainingProgress(1, "run-1", 2, 5, 300, 600, 0.31, 0.97, 850.5, 420, "gpu(0)",
                TrainingProgress.RUNNING, null, NOW);
    }

    static CheckpointPublished checkpoint() {
        return new CheckpointPublished(1, "run-1", "run-1-epoch-5", "run-1/epoch-5", SHA, true, 5,
                "lenet", "mnist", "deepdefense", List.of("deepfool", "fgs"),
                Map.of("testAccuracy", 0.991, "preprocessing", "mean-subtracted"));
    }

    static AttackResult attackResult() {
        return new AttackResult(1, "run-1", "run-1-epoch-5", "deepfool", Map.of("rho2", 0.0213), 10_000, 41.5, NOW);
    }

    static EvaluationOptions options() {
        return new EvaluationOptions(100, 50, 0.02, List.of(0.1, 0.3), 20, 1, 1.0 / 64, 24, 8);
    }

    static AttackShard shard() {
        return new AttackShard(1, "run-1", "run-1-final", "run-1/final", SHA, "lenet", "mnist", 5000, "fgs", 2, 5,
                2000, 3000, options());
    }

    static ShardResult shardResult() {
        return new ShardResult(1, "run-1", "run-1-final", "fgs", 2, 5, 2000, 3000, Map.of("correct", 991.0),
                List.of(990, 700, 12), options(), 3.5, NOW);
    }

    static RobustnessReportMessage report() {
        return new RobustnessReportMessage(1, "run-1", "run-1-epoch-5", "lenet", "mnist", "deepdefense",
                0.991, 0.0213, 0.21, Map.of("0.2", 0.95, "0.5", 0.71, "1.0", 0.5), Map.of("0.1", 0.88),
                "mean-subtracted pixels in [0, 1]", NOW);
    }

    static DeadLetter deadLetter() {
        return DeadLetter.of(Topics.TRAINING_REQUESTS, 0, 17, "run-1", "malformed JSON", new byte[] {'{'},
                Instant.parse(NOW));
    }

    static List<Message> all() {
        return List.of(request(), progress(), checkpoint(), attackResult(), report(), deadLetter(), shard(),
                shardResult());
    }

    /** The sample as JSON with the field at a dotted path set to {@code json}, or removed when it is null. */
    static byte[] with(Message sample, String path, String json) {
        try {
            JsonNode root = PLAIN.readTree(Messages.toJson(sample));
            int dot = path.lastIndexOf('.');
            ObjectNode parent = (ObjectNode) (dot < 0 ? root : root.at("/" + path.substring(0, dot).replace('.', '/')));
            String name = path.substring(dot + 1);
            if (json == null) {
                parent.remove(name);
            } else {
                parent.set(name, PLAIN.readTree(json));
            }
            return PLAIN.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
