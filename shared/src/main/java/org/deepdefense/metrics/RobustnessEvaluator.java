package org.deepdefense.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.attack.CarliniWagnerL2;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.Fgs;
import org.deepdefense.attack.Pgd;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;

/**
 * Measures a model's robustness on a test set: clean accuracy, ρ₂ (mean ‖Δx‖₂/‖x‖₂ of DeepFool, at two iteration
 * caps), FGS accuracy at ratios of ε_ref (found by bisection), PGD-L∞ and PGD-L2 accuracy, the median C&W-L2
 * ‖δ‖₂/‖x‖₂ and robustness curves, all in the preprocessed input space.
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

    /**
     * What to measure.
     *
     * @param shortCapIterations also measure ρ₂ with DeepFool capped at this many iterations (the paper's training
     *     cap, 5), or 0 for not
     * @param pgdEpsilons PGD-L∞ radii; {@code pgdL2Epsilons} PGD-L2 radii (absolute, in the preprocessed space); both
     *     take {@code pgdSteps} steps of pgdStepFraction·ε from a random start
     * @param cwSamples run C&W-L2 on the first this many test samples, or 0 for not (it costs search steps ×
     *     iterations gradients per sample)
     * @param curveEpsilons ε values for the robustness curves (FGS and PGD-L∞ accuracy at each)
     */
    public record Options(int deepFoolIterations, double overshoot, double[] fgsRatios, Double epsRef,
            String epsRefSource, double[] pgdEpsilons, int pgdSteps, double pgdStepFraction, long seed,
            int shortCapIterations, double[] pgdL2Epsilons, int cwSamples, double[] curveEpsilons) {
        public static Options defaults() {
            return new Options(DeepFool.DEFAULT_MAX_ITERATIONS, DeepFool.DEFAULT_OVERSHOOT,
                    new double[] {0.2, 0.5, 1.0}, null, "self", new double[0], 20, Pgd.usualStepFraction(20), 1, 0, new double[0], 0,
                    new double[0]);
        }

        public Options withDeepFoolIterations(int iterations) {
            return new Options(iterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, shortCapIterations, pgdL2Epsilons, cwSamples, curveEpsilons);
        }

        /** Use ε_ref of another model (the paper takes it from the Deep Defense model). */
        public Options withEpsRef(double value, String source) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, value, source, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, shortCapIterations, pgdL2Epsilons, cwSamples, curveEpsilons);
        }

        /** PGD radii (L∞) and steps, with the usual step size 2.5·ε/steps. */
        public Options withPgd(double[] epsilons, int steps) {
            return withPgd(epsilons, steps, Pgd.usualStepFraction(steps));
        }

        /** PGD radii (L∞), steps and step size as a fraction of ε. */
        public Options withPgd(double[] epsilons, int steps, double stepFraction) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, epsilons, steps,
                    stepFraction, seed, shortCapIterations, pgdL2Epsilons, cwSamples, curveEpsilons);
        }

        public Options withPgdL2(double[] epsilons) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, shortCapIterations, epsilons, cwSamples, curveEpsilons);
        }

        public Options withShortCap(int iterations) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, iterations, pgdL2Epsilons, cwSamples, curveEpsilons);
        }

        public Options withCarliniWagner(int samples) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, shortCapIterations, pgdL2Epsilons, samples, curveEpsilons);
        }

        public Options withCurve(double[] epsilons) {
            return new Options(deepFoolIterations, overshoot, fgsRatios, epsRef, epsRefSource, pgdEpsilons, pgdSteps,
                    pgdStepFraction, seed, shortCapIterations, pgdL2Epsilons, cwSamples, epsilons);
        }
    }

    public RobustnessReport evaluate(Dataset test, String dataset, String method, Options options, Progress progress) {
        long begun = System.nanoTime();
        double clean = cleanAccuracy(test);
        DeepFoolSummary deepFool = deepFool(test, options.deepFoolIterations(), options.overshoot(), progress);
        Double rho2Short = options.shortCapIterations() > 0
                ? deepFool(test, options.shortCapIterations(), options.overshoot(), progress).rho2() : null;
        FgsSweep fgs = fgsSweep(test, progress);
        Double epsRef = options.epsRef() != null ? options.epsRef() : fgs.epsRef(0.5, progress);
        Map<String, Double> fgsAccuracy = new LinkedHashMap<>();
        if (epsRef != null) {
            for (double ratio : options.fgsRatios()) {
                fgsAccuracy.put(String.format(Locale.ROOT, "%.1f", ratio), fgs.accuracyAt(ratio * epsRef));
            }
        }
        Map<String, Double> pgdAccuracy = pgdAccuracies(test, Pgd.Norm.LINF, options.pgdEpsilons(), options, progress);
        Map<String, Double> pgdL2Accuracy = pgdAccuracies(test, Pgd.Norm.L2, options.pgdL2Epsilons(), options,
                progress);
        Map<String, Double> fgsCurve = new LinkedHashMap<>();
        for (double eps : options.curveEpsilons()) {
            fgsCurve.put(key(eps), fgs.accuracyAt(eps));
        }
        Map<String, Double> pgdCurve = new LinkedHashMap<>();
        for (double eps : options.curveEpsilons()) {
            Double known = pgdAccuracy.get(key(eps));
            // At ε = 0 PGD cannot move: its accuracy is the clean one.
            pgdCurve.put(key(eps), known != null ? known : eps == 0 ? clean
                    : pgdAccuracy(test, Pgd.Norm.LINF, eps, options.pgdSteps(), options.pgdStepFraction(),
                    options.seed(), progress));
        }
        Double cwMedian = null;
        int cwSamples = Math.min(options.cwSamples(), test.size());
        if (cwSamples > 0) {
            cwMedian = CarliniWagnerL2.median(carliniWagnerRatios(test.head(cwSamples), CarliniWagnerL2.defaults(),
                    progress));
        }
        return new RobustnessReport(network.architecture().id(), dataset, method, test.size(), clean, deepFool.rho2(),
                options.deepFoolIterations(), deepFool.unconverged(), deepFool.meanIterations(), epsRef,
                options.epsRef() != null ? options.epsRefSource() : "self", fgsAccuracy, pgdAccuracy,
                preprocessor.describe(), (System.nanoTime() - begun) / 1e9, rho2Short,
                options.shortCapIterations(), pgdL2Accuracy, cwMedian, cwSamples, fgsCurve, pgdCurve);
    }

    private Map<String, Double> pgdAccuracies(Dataset test, Pgd.Norm norm, double[] epsilons, Options options,
            Progress progress) {
        Map<String, Double> accuracy = new LinkedHashMap<>();
        for (double eps : epsilons) {
            accuracy.put(key(eps), pgdAccuracy(test, norm, eps, options.pgdSteps(), options.pgdStepFraction(),
                    options.seed(), progress));
        }
        return accuracy;
    }

    private static String key(double epsilon) {
        return String.format(Locale.ROOT, "%g", epsilon);
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

    /** Accuracy under PGD in the {@code norm} ball of radius ε, step stepFraction·ε, seeded random start. */
    public double pgdAccuracy(Dataset test, Pgd.Norm norm, double epsilon, int steps, double stepFraction, long seed,
            Progress progress) {
        Pgd pgd = new Pgd(norm, steps, stepFraction, true);
        long correct = 0;
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                int[] labels = labels(test, from, to);
                NDArray adversarial = pgd.attack(network, batch(batch, test, from, to), labels, epsilon, seed + from);
                correct += Logits.correct(network.logits(adversarial).toFloatArray(), labels, network.numClasses());
            }
            progress.update(String.format(Locale.ROOT, "PGD-%s eps %g", norm.label(), epsilon), to, test.size());
        }
        return correct / (double) test.size();
    }

    /** C&W-L2's smallest ‖δ‖₂/‖x‖₂ per sample (0 if misclassified already, +∞ if none found). */
    public double[] carliniWagnerRatios(Dataset test, CarliniWagnerL2 attack, Progress progress) {
        double[] ratios = new double[test.size()];
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                double[] found = attack.attack(network, batch(batch, test, from, to), labels(test, from, to)).ratios();
                System.arraycopy(found, 0, ratios, from, to - from);
            }
            progress.update("C&W-L2", to, test.size());
        }
        return ratios;
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
