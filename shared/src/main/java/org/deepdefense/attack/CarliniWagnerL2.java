package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Carlini and Wagner's L2 attack (2017) as a minimum-norm attack: for each sample it minimises
 * ‖δ‖²/‖x‖² + c·max(Z_y − max_{j≠y} Z_j, −κ) over δ with Adam, and a binary search over c per sample keeps the
 * smallest ‖δ‖ that got the sample misclassified. Unlike the original there is no tanh box: the other attacks
 * here do not clip to the pixel range either. Input gradients come from the inverse network, seeded with
 * c·(e_y − e_j*), so no gradient collector is needed.
 */
public final class CarliniWagnerL2 implements MinimumNormAttack {
    public static final int DEFAULT_SEARCH_STEPS = 5;
    public static final int DEFAULT_ITERATIONS = 100;
    /** Adam's step, relative to the sample's RMS pixel value ‖x‖/√D. */
    public static final double DEFAULT_LEARNING_RATE = 0.03;
    public static final double DEFAULT_INITIAL_CONSTANT = 0.1;
    private static final double ADAM_BETA1 = 0.9;
    private static final double ADAM_BETA2 = 0.999;
    private static final double ADAM_EPSILON = 1e-8;

    private final int searchSteps;
    private final int iterations;
    private final double learningRate;
    private final double initialConstant;
    private final double confidence;

    public CarliniWagnerL2(int searchSteps, int iterations, double learningRate, double initialConstant,
            double confidence) {
        if (searchSteps < 1 || iterations < 1 || !(learningRate > 0) || !(initialConstant > 0)
                || !(confidence >= 0)) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "need searchSteps >= 1, iterations >= 1, learningRate > 0, initialConstant > 0, confidence >= 0;"
                            + " got %d, %d, %g, %g, %g", searchSteps, iterations, learningRate, initialConstant,
                    confidence));
        }
        this.searchSteps = searchSteps;
        this.iterations = iterations;
        this.learningRate = learningRate;
        this.initialConstant = initialConstant;
        this.confidence = confidence;
    }

    public static CarliniWagnerL2 defaults() {
        return new CarliniWagnerL2(DEFAULT_SEARCH_STEPS, DEFAULT_ITERATIONS, DEFAULT_LEARNING_RATE,
                DEFAULT_INITIAL_CONSTANT, 0);
    }

    /**
     * @param ratios smallest ‖δ‖₂/‖x‖₂ found per sample: 0 for a sample already misclassified, +∞ where no
     *     perturbation misclassified it
     * @param perturbations the best δ per sample (zeros where none), row-major B×D
     */
    public record Result(double[] ratios, float[] perturbations) {}

    @Override
    public Norm norm() {
        return Norm.L2;
    }

    @Override
    public Perturbations minimalPerturbations(Network network, NDArray x, int[] labels) {
        Result result = attack(network, x, labels);
        int d = result.perturbations().length / labels.length;
        double[] sizes = new double[labels.length];
        boolean[] fooled = new boolean[labels.length];
        int[] steps = new int[labels.length];
        for (int row = 0; row < sizes.length; row++) {
            fooled[row] = Double.isFinite(result.ratios()[row]);
            sizes[row] = fooled[row] ? Norm.L2.size(result.perturbations(), row * d, d) : Double.POSITIVE_INFINITY;
            steps[row] = searchSteps * iterations;
        }
        return new Perturbations(sizes, fooled, steps);
    }

    /** Attacks a batch x of shape (B, C, H, W) with labels; temporaries live in sub-managers of x's manager. */
    public Result attack(Network network, NDArray x, int[] labels) {
        NDManager scope = x.getManager();
        int b = labels.length;
        int k = network.numClasses();
        int d = Math.toIntExact(network.inputShape().size());
        Shape shape = new Shape(b).addAll(network.inputShape());
        float[] original = x.toFloatArray();
        double[] squaredNorm = new double[b];
        for (int n = 0; n < b; n++) {
            for (int i = 0; i < d; i++) {
                squaredNorm[n] += (double) original[n * d + i] * original[n * d + i];
            }
            squaredNorm[n] = Math.max(squaredNorm[n], 1e-12);
        }
        double[] ratios = new double[b];
        Arrays.fill(ratios, Double.POSITIVE_INFINITY);
        float[] best = new float[b * d];
        double[] constant = new double[b];
        double[] lower = new double[b];
        double[] upper = new double[b];
        Arrays.fill(constant, initialConstant);
        Arrays.fill(upper, Double.POSITIVE_INFINITY);

        for (int search = 0; search < searchSteps; search++) {
            float[] delta = new float[b * d];
            double[] m = new double[b * d];
            double[] v = new double[b * d];
            boolean[] succeeded = new boolean[b];
            for (int t = 1; t <= iterations + 1; t++) {
                float[] point = new float[b * d];
                for (int i = 0; i < point.length; i++) {
                    point[i] = original[i] + delta[i];
                }
                float[] gradient;
                try (NDManager step = scope.newSubManager()) {
                    ForwardPass pass = network.forward(step.create(point, shape), Mode.EVAL);
                    float[] logits = pass.logits().toFloatArray();
                    float[] seeds = new float[b * k];
                    for (int n = 0; n < b; n++) {
                        int rival = strongestOther(logits, n, k, labels[n]);
                        double margin = logits[n * k + labels[n]] - logits[n * k + rival];
                        if (margin < 0 || Logits.argMax(logits, n, k) != labels[n]) {
                            succeeded[n] = true;
                            keepIfBetter(n, delta, d, squaredNorm, ratios, best);
                        }
                        if (margin > -confidence) {
                            seeds[n * k + labels[n]] = (float) constant[n];
                            seeds[n * k + rival] = (float) -constant[n];
                        }
                    }
                    if (t > iterations) {
                        break;
                    }
                    gradient = pass.inputGradient(step.create(seeds, new Shape(b, k))).toFloatArray();
                }
                adamStep(delta, gradient, m, v, t, squaredNorm, d);
            }
            for (int n = 0; n < b; n++) {
                if (succeeded[n]) {
                    upper[n] = Math.min(upper[n], constant[n]);
                } else {
                    lower[n] = Math.max(lower[n], constant[n]);
                }
                constant[n] = upper[n] < Double.POSITIVE_INFINITY ? (lower[n] + upper[n]) / 2 : constant[n] * 10;
            }
        }
        return new Result(ratios, best);
    }

    /** Adam on δ for the loss ‖δ‖²/‖x‖² + c·margin; {@code gradient} holds the margin term's input gradient. */
    private void adamStep(float[] delta, float[] gradient, double[] m, double[] v, int t, double[] squaredNorm,
            int d) {
        // Adam's usual bias corrections; t counts from 1.
        double correction1 = 1 - Math.pow(ADAM_BETA1, t);
        double correction2 = 1 - Math.pow(ADAM_BETA2, t);
        for (int n = 0; n < squaredNorm.length; n++) {
            // Linear decay to zero over each search step: large early moves, fine ones at the end.
            double step = learningRate * (1 - (t - 1.0) / iterations) * Math.sqrt(squaredNorm[n] / d);
            for (int i = n * d; i < (n + 1) * d; i++) {
                double g = gradient[i] + 2 * delta[i] / squaredNorm[n];
                m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
                v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
                delta[i] -= (float) (step * (m[i] / correction1) / (Math.sqrt(v[i] / correction2) + ADAM_EPSILON));
            }
        }
    }

    private static void keepIfBetter(int n, float[] delta, int d, double[] squaredNorm, double[] ratios,
            float[] best) {
        double squared = 0;
        for (int i = n * d; i < (n + 1) * d; i++) {
            squared += (double) delta[i] * delta[i];
        }
        double ratio = Math.sqrt(squared / squaredNorm[n]);
        if (ratio < ratios[n]) {
            ratios[n] = ratio;
            System.arraycopy(delta, n * d, best, n * d, d);
        }
    }

    private static int strongestOther(float[] logits, int n, int k, int label) {
        int rival = label == 0 ? 1 : 0;
        for (int j = 0; j < k; j++) {
            if (j != label && logits[n * k + j] > logits[n * k + rival]) {
                rival = j;
            }
        }
        return rival;
    }

    /** The median of {@code ratios} (+∞ counts as larger than any number). */
    public static double median(double[] ratios) {
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
