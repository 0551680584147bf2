package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Evaluation-time DeepFool (Moosavi-Dezfooli et al. 2016): untargeted from the predicted class, all other classes
 * as candidates, overshoot applied to the accumulated step, no clipping to the pixel range. Runs without autograd;
 * samples leave the working batch as soon as they are fooled.
 */
public final class DeepFool implements MinimumNormAttack {
    public static final int DEFAULT_MAX_ITERATIONS = 50;
    public static final double DEFAULT_OVERSHOOT = 0.02;

    private final int maxIterations;
    private final double overshoot;

    public DeepFool(int maxIterations, double overshoot) {
        if (maxIterations < 1) {
            throw new IllegalArgumentException("maxIterations must be at least 1, got " + maxIterations);
        }
        if (!(overshoot >= 0)) {
            throw new IllegalArgumentException("overshoot must be non-negative, got " + overshoot);
        }
        this.maxIterations = maxIterations;
        this.overshoot = overshoot;
    }

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    /** DeepFool moves away from the prediction; the labels only matter for the caller's accounting. */
    @Override
    public Perturbations minimalPerturbations(Network network, NDArray x, int[] labels) {
        Result result = attack(network, x);
        int d = result.perturbations().length / result.ratios().length;
        double[] sizes = new double[result.ratios().length];
        for (int row = 0; row < sizes.length; row++) {
            sizes[row] = Norm.L2.size(result.perturbations(), row * d, d);
        }
        return new Perturbations(sizes, result.fooled(), result.iterations());
    }

    /**
     * @param perturbations Δx per sample, row-major B×D (D = C·H·W), overshoot included
     * @param ratios ‖Δx‖₂/‖x‖₂ per sample
     * @param fooled whether x + Δx changes the prediction
     * @param iterations DeepFool steps taken per sample
     * @param predictions the network's prediction at x
     */
    public record Result(float[] perturbations, double[] ratios, boolean[] fooled, int[] iterations, int[] predictions) {}

    /** Attacks a batch x of shape (B, C, H, W) or (B, D); temporaries live in sub-managers of x's manager. */
    public Result attack(Network network, NDArray x) {
        NDManager scope = x.getManager();
        int b = Math.toIntExact(x.getShape().get(0));
        int k = network.numClasses();
        Shape sample = network.inputShape();
        int d = Math.toIntExact(sample.size());
        float[] original = x.toFloatArray();
        float[] total = new float[b * d];
        boolean[] fooled = new boolean[b];
        int[] iterations = new int[b];
        int[] predictions = new int[b];
        float scale = (float) (1 + overshoot);

        int[] rows = rangeOf(b);
        float[] points = original;
        for (int it = 0; it <= maxIterations && rows.length > 0; it++) {
            int n = rows.length;
            float[] logits;
            float[] r = null;
            boolean[] active = new boolean[n];
            int stillActive = 0;
            // Each iteration's arrays live and die in their own manager; only Java arrays cross iterations.
            try (NDManager iteration = scope.newSubManager()) {
                ForwardPass pass = network.forward(iteration.create(points, new Shape(n).addAll(sample)), Mode.EVAL);
                logits = pass.logits().toFloatArray();
                int[] source = new int[n];
                for (int a = 0; a < n; a++) {
                    int row = rows[a];
                    int predicted = Logits.argMax(logits, a, k);
                    if (it == 0) {
                        predictions[row] = predicted;
                    }
                    fooled[row] = predicted != predictions[row];
                    source[a] = predictions[row];
                    active[a] = !fooled[row] && it < maxIterations;
                    stillActive += active[a] ? 1 : 0;
                }
                if (stillActive > 0) {
                    int[] target = new int[n];
                    Arrays.fill(target, -1);
                    r = DeepFoolStep.step(pass, logits, source, target, active, null, false).r().toFloatArray();
                }
            }
            if (stillActive == 0) {
                break;
            }
            int[] next = new int[stillActive];
            float[] nextPoints = new float[stillActive * d];
            int m = 0;
            for (int a = 0; a < n; a++) {
                if (!active[a]) {
                    continue;
                }
                int row = rows[a];
                iterations[row]++;
                for (int i = 0; i < d; i++) {
                    total[row * d + i] += r[a * d + i];
                    nextPoints[m * d + i] = original[row * d + i] + scale * total[row * d + i];
                }
                next[m++] = row;
            }
            rows = next;
            points = nextPoints;
        }
        double[] ratios = new double[b];
        for (int row = 0; row < b; row++) {
            double perturbation = 0;
            double norm = 0;
            for (int i = 0; i < d; i++) {
                total[row * d + i] *= scale;
                perturbation += (double) total[row * d + i] * total[row * d + i];
                norm += (double) original[row * d + i] * original[row * d + i];
            }
            ratios[row] = Math.sqrt(perturbation) / Math.max(Math.sqrt(norm), 1e-12);
        }
        return new Result(total, ratios, fooled, iterations, predictions);
    }

    private static int[] rangeOf(int n) {
        int[] range = new int[n];
        Arrays.setAll(range, i -> i);
        return range;
    }
}
