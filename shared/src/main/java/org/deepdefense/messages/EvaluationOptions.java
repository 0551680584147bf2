package org.deepdefense.messages;

import java.util.List;

/**
 * How every shard of one checkpoint is evaluated. The splitter fixes them once per checkpoint and every shard
 * carries them, so that replicas configured differently still measure the same thing.
 *
 * @param batchSize          images per forward pass; shard boundaries are multiples of it
 * @param deepFoolIterations DeepFool's iteration cap
 * @param overshoot          DeepFool overshoot
 * @param pgdEpsilons        PGD-L∞ budgets, absolute in the checkpoint's input space
 * @param pgdSteps           PGD iterations
 * @param seed               PGD's random start; batch {@code from} uses {@code seed + from}
 * @param fgsGridMin         smallest ε of the FGS grid
 * @param fgsGridOctaves     the grid spans {@code fgsGridMin · 2^fgsGridOctaves}
 * @param fgsGridPerOctave   grid points per doubling of ε
 */
public record EvaluationOptions(
        int batchSize,
        int deepFoolIterations,
        double overshoot,
        List<Double> pgdEpsilons,
        int pgdSteps,
        long seed,
        double fgsGridMin,
        int fgsGridOctaves,
        int fgsGridPerOctave) {

    public EvaluationOptions {
        Check.inRange("batchSize", batchSize, 1, 1024);
        Check.inRange("deepFoolIterations", deepFoolIterations, 1, 1000);
        Check.inRange("overshoot", overshoot, "[0, 1]");
        Check.required("pgdEpsilons", pgdEpsilons);
        if (pgdEpsilons.size() > 16) {
            throw Check.fail("pgdEpsilons must list at most 16 budgets, got %d", pgdEpsilons.size());
        }
        for (int i = 0; i < pgdEpsilons.size(); i++) {
            Check.inRange("pgdEpsilons[" + i + "]", Check.required("pgdEpsilons[" + i + "]", pgdEpsilons.get(i)),
                    "(0, inf)");
        }
        pgdEpsilons = List.copyOf(pgdEpsilons);
        Check.inRange("pgdSteps", pgdSteps, 1, 1000);
        Check.inRange("fgsGridMin", fgsGridMin, "(0, inf)");
        Check.inRange("fgsGridOctaves", fgsGridOctaves, 1, 64);
        Check.inRange("fgsGridPerOctave", fgsGridPerOctave, 1, 64);
    }
}
