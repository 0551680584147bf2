package org.deepdefense.evaluator;

import java.util.List;
import java.util.Map;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.ShardResult;

/**
 * Shard results of one checkpoint of 100 test images in two shards of 50, with counts chosen so that the merged
 * report is known: clean accuracy 0.89, ρ₂ 0.025, and on an FGS grid of 0.5, 1, 2 the accuracy at ε = 0.5, 1, 2 is
 * 0.8, 0.6, 0.2, so ε_ref = 2 with accuracies 0.7 (0.2·ε_ref), 0.4 (0.5·ε_ref) and 0.2.
 */
final class Shards {
    static final String NOW = "2025-01-31T12:00:00Z";
    static final EvaluationOptions OPTIONS = new EvaluationOptions(25, 5, 0.02, List.of(0.1), 3, 1, 0.5, 2, 1);

    private Shards() {
    }

    static CheckpointPublished checkpoint(String run, String checkpointId, List<String> attacks) {
        return new CheckpointPublished(1, run, checkpointId, run + "/final", "b".repeat(64), true, 1, "lenet", "mnist",
                "deepdefense", attacks, Map.of("preprocessing", "per-pixel mean subtracted"));
    }

    static ShardResult deepFool(String run, String checkpointId, int shard) {
        return result(run, checkpointId, "deepfool", shard, shard == 0
                ? Map.of("correct", 45.0, "ratioSum", 1.0, "unconverged", 0.0, "iterations", 100.0)
                : Map.of("correct", 44.0, "ratioSum", 1.5, "unconverged", 1.0, "iterations", 120.0), List.of());
    }

    /** Grid counts ratio-major: 0.2·ε_k, then 0.5·ε_k, then ε_k for ε_k = 0.5, 1, 2. */
    static ShardResult fgs(String run, String checkpointId, int shard) {
        return result(run, checkpointId, "fgs", shard, Map.of("correct", shard == 0 ? 45.0 : 44.0), shard == 0
                ? List.of(45, 42, 40, 44, 38, 20, 42, 32, 12)
                : List.of(44, 40, 30, 40, 30, 20, 38, 28, 8));
    }

    static ShardResult result(String run, String checkpointId, String attack, int shard, Map<String, Double> values,
            List<Integer> fgsCorrect) {
        return new ShardResult(1, run, checkpointId, attack, shard, 2, 50 * shard, 50 * shard + 50, values,
                fgsCorrect, OPTIONS, 1.5, NOW);
    }
}
