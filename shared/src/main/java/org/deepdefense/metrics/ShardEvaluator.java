package org.deepdefense.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;
import org.deepdefense.attack.Fgs;
import org.deepdefense.attack.Pgd;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;

/**
 * Measures one attack on the images {@code [from, to)} of a test set, as sums and counts that {@link ShardMerger}
 * adds up over shards. DeepFool, PGD and clean accuracy reuse {@link RobustnessEvaluator} on the slice; with
 * {@code from} a multiple of the batch size, the slice's batches are the whole set's batches, so a shard computes
 * exactly what an unsplit run would. FGS counts the correct images at every point of an {@link FgsGrid}.
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

    /** Rows per forward pass of the FGS grid: several ε of one batch go through the network at once. */
    private static final int FGS_ROWS = 2048;

    private final Network network;
    private final Preprocessor preprocessor;
    private final int batchSize;
    private final RobustnessEvaluator evaluator;
    private final RobustnessEvaluator.Options options;
    private final FgsGrid grid;

    public ShardEvaluator(Network network, Preprocessor preprocessor, int batchSize,
            RobustnessEvaluator.Options options, FgsGrid grid) {
        this.network = network;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
        this.evaluator = new RobustnessEvaluator(network, preprocessor, batchSize);
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
                values.put(CORRECT, count(evaluator.cleanAccuracy(slice), n));
                fgsCorrect = fgsGridCorrect(slice);
            }
            case "pgd-linf" -> {
                for (double eps : options.pgdEpsilons()) {
                    // seed + from: each batch gets the random start it would get in an unsplit run.
                    values.put(CORRECT_AT + eps, count(evaluator.pgdAccuracy(slice, Pgd.Norm.LINF, eps,
                            options.pgdSteps(), options.pgdStepFraction(), options.seed() + from, Progress.NONE), n));
                }
            }
            default -> throw new IllegalArgumentException("unknown attack '" + attack + "'");
        }
        return new Measurement(values, fgsCorrect);
    }

    /**
     * Correct images at each ε of the grid. Like {@link RobustnessEvaluator#fgsSweep} (one gradient sign per image,
     * then x + ε·sign in float32), but the grid's ε values of one batch are stacked into one forward pass of up to
     * {@value #FGS_ROWS} rows: hundreds of small passes would cost far more in per-call overhead than in arithmetic.
     */
    private long[] fgsGridCorrect(Dataset slice) {
        double[] epsilons = grid.epsilons();
        long[] correct = new long[epsilons.length];
        for (int from = 0; from < slice.size(); from += batchSize) {
            int to = Math.min(slice.size(), from + batchSize);
            int rows = to - from;
            int[] labels = Arrays.copyOfRange(slice.labels(), from, to);
            try (NDManager batch = network.manager().getParentManager().newSubManager()) {
                NDArray x = batch.create(preprocessor.apply(slice, from, to),
                        new Shape(rows).addAll(network.inputShape()));
                NDArray sign = Fgs.gradientSign(network, x, labels).expandDims(0);
                int perPass = Math.max(1, FGS_ROWS / rows);
                for (int first = 0; first < epsilons.length; first += perPass) {
                    int count = Math.min(perPass, epsilons.length - first);
                    float[] eps = new float[count];
                    for (int j = 0; j < count; j++) {
                        eps[j] = (float) epsilons[first + j];
                    }
                    // (count, 1, 1, …) times (1, rows, C, H, W): one perturbed copy of the batch per ε.
                    long[] broadcast = new long[2 + network.inputShape().dimension()];
                    Arrays.fill(broadcast, 1);
                    broadcast[0] = count;
                    NDArray perturbed = x.expandDims(0).add(batch.create(eps).reshape(new Shape(broadcast)).mul(sign))
                            .reshape(new Shape(count * rows).addAll(network.inputShape()));
                    float[] logits = network.logits(perturbed).toFloatArray();
                    int k = network.numClasses();
                    for (int j = 0; j < count; j++) {
                        correct[first + j] += Logits.correct(
                                Arrays.copyOfRange(logits, j * rows * k, (j + 1) * rows * k), labels, k);
                    }
                }
            }
        }
        return correct;
    }

    /** The count behind a fraction of n: exact, since the fraction was a count divided by n. */
    private static double count(double fraction, int n) {
        return Math.round(fraction * n);
    }
}
