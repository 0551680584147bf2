package org.deepdefense.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.Fgs;
import org.deepdefense.attack.Pgd;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;

/**
 * Measures a model's robustness on a test set: clean accuracy, ρ₂ (mean ‖Δx‖₂/‖x‖₂ of DeepFool), FGS accuracy at
 * ratios of ε_ref (found by bisection) and PGD-L∞ accuracy, all in the preprocessed input space.
 */
public final class RobustnessEvaluator {
    /** The bisection stops when the bracket around ε_ref is this tight, relative to its upper end. */
    private static final double EPS_REF_TOLERANCE = 1e-3;
    private static final int MAX_DOUBLINGS = 40;

    private final Network network;
    private final Preprocessor preprocessor;
    private final int batchSize;

    public RobustnessEvaluator(Network network, Preprocessor preprocessor, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
        }
        this.network = network;
        this.preprocessor = preprocessor;
        this.batchSize = batchSize;
    }

    /** What to measure. */
    public record Options(int deepFoolIterations, double overshoot, double[] fgsRatios, Double epsRef,
            String epsRefSource, double[] pgdEpsilons, int pgdSteps, long seed) {
        public static Options defaults() {
            return new Options(DeepFool.DEFAULT_MAX_ITERATIONS, DeepFool.DEFAULT_OVERSHOOT,
                    new double[] {0.2, 0.5, 1.0}, null, "self", new double[0], 20, 1);
        }

        public Options withDeepFoolIterations(int iterations) {
            return new Options(iterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps, seed);
        }

        /** Use ε_ref of another model (the paper takes it from the Deep Defense model). */
        public Options withEpsRef(double value, String source) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, value, source, pgdEpsilons, pgdSteps, seed);
        }

        public Options withPgd(double[] epsilons, int steps) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, epsilons, steps, seed);
        }
    }

    public RobustnessReport evaluate(Dataset test, String dataset, String method, Options options, Progress progress) {
        long begun = System.nanoTime();
        double clean = cleanAccuracy(test);
        DeepFoolSummary deepFool = deepFool(test, options.deepFoolIterations(), options.overshoot(), progress);
        FgsSweep fgs = fgsSweep(test, progress);
        Double epsRef = options.epsRef() != null ? options.epsRef() : fgs.epsRef(0.5, progress);
        Map<String, Double> fgsAccuracy = new LinkedHashMap<>();
        if (epsRef != null) {
            for (double ratio : options.fgsRatios()) {
                fgsAccuracy.put(String.format(Locale.ROOT, "%.1f", ratio), fgs.accuracyAt(ratio * epsRef));
            }
        }
        Map<String, Double> pgdAccuracy = new LinkedHashMap<>();
        for (double eps : options.pgdEpsilons()) {
            pgdAccuracy.put(String.format(Locale.ROOT, "%g", eps),
                    pgdAccuracy(test, eps, options.pgdSteps(), options.seed(), progress));
        }
        return new RobustnessReport(network.architecture().id(), dataset, method, test.size(), clean, deepFool.rho2(),
                options.deepFoolIterations(), deepFool.unconverged(), deepFool.meanIterations(), epsRef,
                options.epsRef() != null ? options.epsRefSource() : "self", fgsAccuracy, pgdAccuracy,
                preprocessor.describe(), (System.nanoTime() - begun) / 1e9);
    }

    public double cleanAccuracy(Dataset test) {
        long correct = 0;
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                float[] logits = network.logits(batch(batch, test, from, to)).toFloatArray();
                correct += Logits.correct(logits, labels(test, from, to), network.numClasses());
            }
        }
        return correct / (double) test.size();
    }

    /** ρ₂ and how DeepFool fared. */
    public record DeepFoolSummary(double rho2, int unconverged, double meanIterations) {}

    public DeepFoolSummary deepFool(Dataset test, int maxIterations, double overshoot, Progress progress) {
        DeepFool attack = new DeepFool(maxIterations, overshoot);
        double ratioSum = 0;
        int unconverged = 0;
        long iterations = 0;
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                DeepFool.Result result = attack.attack(network, batch(batch, test, from, to));
                for (int i = 0; i < to - from; i++) {
                    ratioSum += result.ratios()[i];
                    unconverged += result.fooled()[i] ? 0 : 1;
                    iterations += result.iterations()[i];
                }
            }
            progress.update("DeepFool", to, test.size());
        }
        return new DeepFoolSummary(ratioSum / test.size(), unconverged, iterations / (double) test.size());
    }

    /**
     * FGS at any ε from one gradient per sample: the direction sign(∇ₓ CE) does not depend on ε, so it is computed
     * once and each ε costs a single forward pass over the test set.
     */
    public FgsSweep fgsSweep(Dataset test, Progress progress) {
        int d = test.featureSize();
        byte[] signs = new byte[test.size() * d];
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                float[] sign = Fgs.gradientSign(network, batch(batch, test, from, to), labels(test, from, to))
                        .toFloatArray();
                for (int i = 0; i < sign.length; i++) {
                    signs[from * d + i] = (byte) sign[i];
                }
            }
            progress.update("FGS gradients", to, test.size());
        }
        return new FgsSweep(test, signs);
    }

    /** FGS accuracy as a function of ε for a fixed test set. */
    public final class FgsSweep {
        private final Dataset test;
        private final byte[] signs;

        private FgsSweep(Dataset test, byte[] signs) {
            this.test = test;
            this.signs = signs;
        }

        public double accuracyAt(double epsilon) {
            int d = test.featureSize();
            long correct = 0;
            for (int from = 0; from < test.size(); from += batchSize) {
                int to = Math.min(test.size(), from + batchSize);
                float[] x = preprocessor.apply(test, from, to);
                for (int i = 0; i < x.length; i++) {
                    x[i] += (float) epsilon * signs[from * d + i];
                }
                try (NDManager batch = newBatchManager()) {
                    NDArray input = batch.create(x, new Shape(to - from).addAll(network.inputShape()));
                    correct += Logits.correct(network.logits(input).toFloatArray(), labels(test, from, to),
                            network.numClasses());
                }
            }
            return correct / (double) test.size();
        }

        /**
         * The smallest ε (to a relative 10⁻³) at which FGS accuracy drops to {@code accuracy} or below, by doubling
         * then bisection; null if no ε up to 2⁴⁰ gets there.
         */
        public Double epsRef(double accuracy, Progress progress) {
            if (accuracyAt(0) <= accuracy) {
                return 0.0;
            }
            double low = 0;
            double high = 1;
            int doublings = 0;
            while (accuracyAt(high) > accuracy) {
                low = high;
                high *= 2;
                if (++doublings > MAX_DOUBLINGS) {
                    return null;
                }
            }
            while (high - low > EPS_REF_TOLERANCE * high) {
                double middle = (low + high) / 2;
                if (accuracyAt(middle) > accuracy) {
                    low = middle;
                } else {
                    high = middle;
                }
                progress.update("FGS eps_ref bisection", Math.round(-Math.log((high - low) / high)),
                        Math.round(-Math.log(EPS_REF_TOLERANCE)));
            }
            return high;
        }
    }

    public double pgdAccuracy(Dataset test, double epsilon, int steps, long seed, Progress progress) {
        Pgd pgd = new Pgd(steps, 2.5 / steps, true);
        long correct = 0;
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                int[] labels = labels(test, from, to);
                NDArray adversarial = pgd.attack(network, batch(batch, test, from, to), labels, epsilon, seed + from);
                correct += Logits.correct(network.logits(adversarial).toFloatArray(), labels, network.numClasses());
            }
            progress.update(String.format(Locale.ROOT, "PGD-Linf eps %g", epsilon), to, test.size());
        }
        return correct / (double) test.size();
    }

    private NDManager newBatchManager() {
        return network.manager().getParentManager().newSubManager();
    }

    private NDArray batch(NDManager manager, Dataset test, int from, int to) {
        return manager.create(preprocessor.apply(test, from, to), new Shape(to - from).addAll(network.inputShape()));
    }

    private static int[] labels(Dataset test, int from, int to) {
        return Arrays.copyOfRange(test.labels(), from, to);
    }
}
