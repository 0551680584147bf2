package org.deepdefense.evaluator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.PackedOutcomes;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.SampleOutcomes;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;

/**
 * Shard results of one checkpoint of 100 test images in two shards of 50, with per-sample outcomes chosen so that
 * the merged report is known. Sample i is correct for i < 90 and has ‖x‖ = 1000; DeepFool moves every sample by 20
 * (ρ₂ = 0.02); the paper's FGS breaks correct sample i at ε = i + 1, so ε_ref = 40 (the 40th) with accuracies 0.82,
 * 0.70 and 0.50 at 0.2, 0.5 and 1.0·ε_ref; APGD-CE at L∞ 10 breaks the even correct samples, so robust accuracy at
 * 10 is 0.40 (odd i from 10 to 89).
 */
final class Shards {
    static final String NOW = "2025-01-31T12:00:00Z";
    static final List<String> ATTACKS = List.of("deepfool", "paper-fgs", "apgd-ce");
    static final EvaluationOptions OPTIONS = new EvaluationOptions(25, 5, 0.02, List.of(10.0), List.of(), 3, 5, 2,
            20, 1, 10);

    private Shards() {
    }

    static CheckpointPublished checkpoint(String run, String checkpointId, List<String> attacks) {
        return new CheckpointPublished(1, run, checkpointId, run + "/final", "b".repeat(64), true, 1, "lenet", "mnist",
                null, "deepdefense", attacks, Map.of("preprocessing", "per-pixel mean subtracted"));
    }

    /** The plan of {@link #result}'s two shards. */
    static ShardPlan plan(String run, String checkpointId) {
        return new ShardPlan(1, run, checkpointId, ATTACKS, List.of(0, 50, 100), OPTIONS, NOW);
    }

    static ShardResult result(String run, String checkpointId, int shard) {
        return result(run, checkpointId, shard, 2, OPTIONS);
    }

    static ShardResult result(String run, String checkpointId, int shard, int shards, EvaluationOptions options) {
        return result(run, checkpointId, shard, shards, options, 1.5);
    }

    /** With {@code seconds} as its wall-clock time: another run of the same shard. */
    static ShardResult result(String run, String checkpointId, int shard, int shards, EvaluationOptions options,
            double seconds) {
        int from = 50 * shard;
        int n = 50;
        boolean[] correct = new boolean[n];
        double[] norms = new double[n];
        double[] deepFool = new double[n];
        double[] fgs = new double[n];
        boolean[] all = new boolean[n];
        boolean[] apgd = new boolean[n];
        int[] iterations = new int[n];
        for (int row = 0; row < n; row++) {
            int i = from + row;
            correct[row] = i < 90;
            norms[row] = 1000;
            deepFool[row] = 20;
            fgs[row] = correct[row] ? i + 1 : 0;
            all[row] = true;
            apgd[row] = correct[row] && i % 2 == 0;
            iterations[row] = 2;
        }
        Map<String, Perturbations> minimumNorm = new LinkedHashMap<>();
        minimumNorm.put("deepfool", new Perturbations(deepFool, all, iterations));
        minimumNorm.put("paper-fgs", new Perturbations(fgs, all, iterations));
        SampleOutcomes outcomes = new SampleOutcomes(n, correct, new boolean[n], new boolean[n], norms, minimumNorm,
                List.of(new BudgetOutcome("apgd-ce", Norm.LINF, 10, apgd)),
                List.of(new BudgetOutcome("apgd-ce", Norm.LINF, 10, new boolean[n])), Map.of("apgd-ce/linf", seconds));
        return new ShardResult(1, run, checkpointId, ATTACKS, shard, shards, from, from + n,
                PackedOutcomes.of(outcomes), options, seconds, NOW);
    }
}
