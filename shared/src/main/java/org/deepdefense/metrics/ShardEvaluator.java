package org.deepdefense.metrics;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.deepdefense.data.Dataset;

/**
 * Measures one attack on the images {@code [from, to)} of a test set, as sums and counts that {@link ShardMerger}
 * adds up over shards. Reuses {@link RobustnessEvaluator} on the slice; with {@code from} a multiple of the batch
 * size, the slice's batches are the whole set's batches, so a shard computes exactly what an unsplit run would.
 */
public final class ShardEvaluator {
    public static final String CORRECT = "correct";
    public static final String RATIO_SUM = "ratioSum";
    public static final String UNCONVERGED = "unconverged";
    public static final String ITERATIONS = "iterations";
    /** PGD: {@code correct_<ε>}, one per budget. */
    public static final String CORRECT_AT = "correct_";

    /** Sums and counts over one shard; {@code fgsCorrect} is empty except for FGS. */
    public record Measurement(Map<String, Double> values, long[] fgsCorrect) {}

    private final RobustnessEvaluator evaluator;
    private final RobustnessEvaluator.Options options;
    private final FgsGrid grid;

    public ShardEvaluator(RobustnessEvaluator evaluator, RobustnessEvaluator.Options options, FgsGrid grid) {
        this.evaluator = evaluator;
        this.options = options;
        this.grid = grid;
    }

    public Measurement measure(String attack, Dataset test, int from, int to) {
        if (from < 0 || to <= from || to > test.size()) {
            throw new IllegalArgumentException("shard [" + from + ", " + to + ") outside the test set of "
                    + test.size());
        }
        Dataset slice = test.select(IntStream.range(from, to).toArray());
        int n = to - from;
        Map<String, Double> values = new LinkedHashMap<>();
        long[] fgsCorrect = new long[0];
        switch (attack) {
            case "deepfool" -> {
                values.put(CORRECT, count(evaluator.cleanAccuracy(slice), n));
                var summary = evaluator.deepFool(slice, options.deepFoolIterations(), options.overshoot(),
                        Progress.NONE);
                // rho2 is ratioSum / n: multiplying back is deterministic, which is all merging needs.
                values.put(RATIO_SUM, summary.rho2() * n);
                values.put(UNCONVERGED, (double) summary.unconverged());
                values.put(ITERATIONS, count(summary.meanIterations(), n));
            }
            case "fgs" -> {
                RobustnessEvaluator.FgsSweep sweep = evaluator.fgsSweep(slice, Progress.NONE);
                values.put(CORRECT, count(sweep.accuracyAt(0), n));
                double[] epsilons = grid.epsilons();
                fgsCorrect = new long[epsilons.length];
                for (int i = 0; i < epsilons.length; i++) {
                    fgsCorrect[i] = Math.round(sweep.accuracyAt(epsilons[i]) * n);
                }
            }
            case "pgd-linf" -> {
                for (double eps : options.pgdEpsilons()) {
                    // seed + from: each batch gets the random start it would get in an unsplit run.
                    values.put(CORRECT_AT + eps, count(evaluator.pgdAccuracy(slice, eps, options.pgdSteps(),
                            options.seed() + from, Progress.NONE), n));
                }
            }
            default -> throw new IllegalArgumentException("unknown attack '" + attack + "'");
        }
        return new Measurement(values, fgsCorrect);
    }

    /** The count behind a fraction of n: exact, since the fraction was a count divided by n. */
    private static double count(double fraction, int n) {
        return Math.round(fraction * n);
    }
}
