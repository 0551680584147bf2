package org.deepdefense.metrics;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.attack.AttackSuite;
import org.deepdefense.attack.Attacks;
import org.deepdefense.attack.FixedBudgetAttack;
import org.deepdefense.attack.LossGradient;
import org.deepdefense.attack.Losses;
import org.deepdefense.attack.MinimumNormAttack;
import org.deepdefense.attack.Norm;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;

/**
 * Runs an attack suite on a test set, AutoAttack-style, and keeps every sample's outcome: each minimum-norm attack
 * runs on every sample; at each budget, the fixed-budget attacks run only on the correctly classified samples still
 * standing ({@link SuiteStanding}). A sample is robust at a budget when no attack of that norm broke it there or at a
 * smaller budget (worst case per sample). All sizes and budgets are in the preprocessed input space.
 */
public final class RobustnessEvaluator {
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
     * @param attacks     attack names or suite presets ({@link AttackSuite}); must include deepfool
     * @param linfBudgets L∞ budgets, {@code l2Budgets} L2 budgets, absolute in the preprocessed space
     * @param seed        seeds the random attacks; sample i of the test set draws from (seed, i)
     * @param epsRef      the ε_ref for the paper's FGS columns, or null to take this model's own
     * @param checkStride the doubled-iterations check reruns on test samples whose index is a multiple of this
     */
    public record Options(List<String> attacks, double[] linfBudgets, double[] l2Budgets, AttackSettings settings,
            long seed, Double epsRef, String epsRefSource, double[] fgsRatios, int checkStride) {
        /** L∞ 0.1·255 and 0.2·255, L2 1.5·255 and 3·255 grey levels: meaningful on MNIST-like data. */
        public static final double[] DEFAULT_LINF = {25.5, 51};
        public static final double[] DEFAULT_L2 = {382.5, 765};

        public Options {
            attacks = AttackSuite.expand(attacks);
            if (!attacks.contains("deepfool")) {
                throw new IllegalArgumentException("the attacks must include deepfool: a report needs rho2");
            }
            linfBudgets = sortedPositive(linfBudgets, "L-inf");
            l2Budgets = sortedPositive(l2Budgets, "L2");
            if (checkStride < 1) {
                throw new IllegalArgumentException("checkStride must be at least 1, got " + checkStride);
            }
        }

        public static Options suite(String suite) {
            return new Options(List.of(suite), DEFAULT_LINF, DEFAULT_L2, AttackSettings.defaults(), 1, null, "self",
                    new double[] {0.2, 0.5, 1.0}, 10);
        }

        public Options withAttacks(List<String> names) {
            return new Options(names, linfBudgets, l2Budgets, settings, seed, epsRef, epsRefSource, fgsRatios,
                    checkStride);
        }

        public Options withBudgets(double[] linf, double[] l2) {
            return new Options(attacks, linf, l2, settings, seed, epsRef, epsRefSource, fgsRatios, checkStride);
        }

        public Options withSettings(AttackSettings changed) {
            return new Options(attacks, linfBudgets, l2Budgets, changed, seed, epsRef, epsRefSource, fgsRatios,
                    checkStride);
        }

        public Options withSeed(long changed) {
            return new Options(attacks, linfBudgets, l2Budgets, settings, changed, epsRef, epsRefSource, fgsRatios,
                    checkStride);
        }

        /** Use ε_ref of another model (the paper takes it from the Deep Defense model). */
        public Options withEpsRef(double value, String source) {
            return new Options(attacks, linfBudgets, l2Budgets, settings, seed, value, source, fgsRatios,
                    checkStride);
        }

        public double[] budgets(Norm norm) {
            return norm == Norm.LINF ? linfBudgets : l2Budgets;
        }

        private static double[] sortedPositive(double[] budgets, String what) {
            double[] sorted = budgets.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                if (!(sorted[i] > 0) || !Double.isFinite(sorted[i]) || i > 0 && sorted[i] == sorted[i - 1]) {
                    throw new IllegalArgumentException(what + " budgets must be distinct positive numbers, got "
                            + Arrays.toString(budgets));
                }
            }
            return sorted;
        }
    }

    /** Runs the suite on the whole test set and builds its report. */
    public RobustnessReport evaluate(Dataset test, String dataset, String method, Options options, Progress progress) {
        long begun = System.nanoTime();
        SampleOutcomes outcomes = outcomes(test, 0, test.size(), options, progress);
        return RobustnessReport.of(outcomes, options, network.architecture().id(), dataset, method,
                preprocessor.describe(), (System.nanoTime() - begun) / 1e9);
    }

    /**
     * Per-sample outcomes on the test images {@code [from, to)}. With {@code from} a multiple of the batch size the
     * minimum-norm attacks see the batches of an unsplit run; the random attacks draw per sample from its index in
     * the whole test set, whatever the range.
     */
    public SampleOutcomes outcomes(Dataset test, int from, int to, Options options, Progress progress) {
        if (from < 0 || to <= from || to > test.size()) {
            throw new IllegalArgumentException("range [" + from + ", " + to + ") outside the test set of "
                    + test.size());
        }
        int n = to - from;
        int k = network.numClasses();
        Attacks.requireApplicable(options.attacks(), k);
        int[] labels = Arrays.copyOfRange(test.labels(), from, to);
        float[] inputs = preprocessor.apply(test, from, to);
        int d = test.featureSize();
        boolean[] correct = new boolean[n];
        boolean[] saturated = new boolean[n];
        boolean[] zeroGradient = new boolean[n];
        double[] inputNorms = new double[n];
        Map<String, Double> seconds = new LinkedHashMap<>();
        long begun = System.nanoTime();
        forBatches(n, (a, b) -> {
            LossGradient clean = LossGradient.at(network, network.manager().getParentManager(),
                    Arrays.copyOfRange(inputs, a * d, b * d), Arrays.copyOfRange(labels, a, b), null,
                    Losses.PAPER_CROSS_ENTROPY);
            for (int row = a; row < b; row++) {
                int r = row - a;
                correct[row] = Logits.argMax(clean.logits(), r, k) == labels[row];
                saturated[row] = softmaxSaturates(clean.logits(), r, k);
                zeroGradient[row] = Norm.LINF.size(clean.gradient(), r * d, d) == 0;
                inputNorms[row] = Norm.L2.size(inputs, row * d, d);
            }
        });
        seconds.put("clean", (System.nanoTime() - begun) / 1e9);

        Map<String, MinimumNormAttack.Perturbations> minimumNorm = new LinkedHashMap<>();
        for (String name : options.attacks()) {
            if (Attacks.spec(name).kind() != Attacks.Kind.MINIMUM_NORM) {
                continue;
            }
            long start = System.nanoTime();
            MinimumNormAttack attack = Attacks.minimumNorm(name, options.settings());
            double[] sizes = new double[n];
            boolean[] fooled = new boolean[n];
            int[] iterations = new int[n];
            forBatches(n, (a, b) -> {
                try (NDManager batch = newBatchManager()) {
                    MinimumNormAttack.Perturbations p = attack.minimalPerturbations(network,
                            batch(batch, inputs, a, b, d), Arrays.copyOfRange(labels, a, b));
                    System.arraycopy(p.sizes(), 0, sizes, a, b - a);
                    System.arraycopy(p.fooled(), 0, fooled, a, b - a);
                    System.arraycopy(p.iterations(), 0, iterations, a, b - a);
                }
                progress.update(name, b, n);
            });
            minimumNorm.put(name, new MinimumNormAttack.Perturbations(sizes, fooled, iterations));
            seconds.put(name + "/" + attack.norm().label(), (System.nanoTime() - start) / 1e9);
        }

        List<BudgetOutcome> fixedBudget = new ArrayList<>();
        List<BudgetOutcome> doubled = new ArrayList<>();
        for (Norm norm : Norm.values()) {
            List<String> fixedBudgetAttacks = SuiteStanding.fixedBudget(options.attacks(), norm);
            String firstFixedBudget = fixedBudgetAttacks.stream().findFirst().orElse(null);
            String firstGradientAttack = fixedBudgetAttacks.stream().filter(name -> Attacks.spec(name).usesGradients())
                    .findFirst().orElse(null);
            double[] budgets = options.budgets(norm);
            for (int e = 0; e < budgets.length; e++) {
                double epsilon = budgets[e];
                for (String name : fixedBudgetAttacks) {
                    long start = System.nanoTime();
                    boolean[] broken = attackStanding(Attacks.fixedBudget(name, norm, options.settings()), inputs,
                            labels, SuiteStanding.attacked(name, norm, epsilon, options.attacks(), correct,
                                    minimumNorm, fixedBudget),
                            epsilon, seeds(options.seed(), name, from, n), d,
                            String.format(Locale.ROOT, "%s %s eps %g", name, norm.label(), epsilon), progress);
                    BudgetOutcome earlier = SuiteStanding.atSmallerBudget(fixedBudget, name, norm, epsilon);
                    if (name.equals(firstFixedBudget) && earlier != null) {
                        // What it broke within a smaller ball it breaks within this one: its accuracy alone stays.
                        for (int row = 0; row < n; row++) {
                            broken[row] |= earlier.broken()[row];
                        }
                    }
                    fixedBudget.add(new BudgetOutcome(name, norm, epsilon, broken));
                    seconds.merge(name + "/" + norm.label(), (System.nanoTime() - start) / 1e9, Double::sum);
                }
                if (e == 0 && firstGradientAttack != null) {
                    // Masking check: does twice the work break what the suite left standing?
                    boolean[] checked = SuiteStanding.robust(norm, epsilon, correct, minimumNorm, fixedBudget, null);
                    for (int row = 0; row < n; row++) {
                        checked[row] &= (from + row) % options.checkStride() == 0;
                    }
                    long start = System.nanoTime();
                    boolean[] broken = attackStanding(Attacks.fixedBudget(firstGradientAttack, norm,
                            doubledSettings(options.settings())), inputs, labels, checked, epsilon,
                            seeds(options.seed(), firstGradientAttack + " x2", from, n), d,
                            firstGradientAttack + " x2 check", progress);
                    doubled.add(new BudgetOutcome(firstGradientAttack, norm, epsilon, broken));
                    seconds.merge(firstGradientAttack + " x2 check/" + norm.label(), (System.nanoTime() - start) / 1e9,
                            Double::sum);
                }
            }
        }
        return new SampleOutcomes(n, correct, saturated, zeroGradient, inputNorms, minimumNorm, fixedBudget, doubled,
                seconds);
    }

    /** The same attacks with twice the iterations and queries. */
    static AttackSettings doubledSettings(AttackSettings s) {
        return new AttackSettings(s.deepFoolIterations(), s.overshoot(), s.shortCapIterations(), 2 * s.pgdSteps(),
                s.pgdStepFraction() / 2, 2 * s.apgdIterations(), s.apgdTargets(), 2 * s.squareQueries(),
                s.cwSearchSteps(), 2 * s.cwIterations());
    }

    /** Runs the attack on the rows marked {@code standing}, in batches of the standing rows. */
    private boolean[] attackStanding(FixedBudgetAttack attack, float[] inputs, int[] labels, boolean[] standing,
            double epsilon, long[] seeds, int d, String phase, Progress progress) {
        int[] rows = java.util.stream.IntStream.range(0, standing.length).filter(row -> standing[row]).toArray();
        boolean[] broken = new boolean[standing.length];
        for (int a = 0; a < rows.length; a += batchSize) {
            int b = Math.min(rows.length, a + batchSize);
            int[] chosen = Arrays.copyOfRange(rows, a, b);
            float[] points = new float[chosen.length * d];
            for (int i = 0; i < chosen.length; i++) {
                System.arraycopy(inputs, chosen[i] * d, points, i * d, d);
            }
            try (NDManager batch = newBatchManager()) {
                boolean[] found = attack.attack(network,
                        batch.create(points, new Shape(chosen.length).addAll(network.inputShape())),
                        Arrays.stream(chosen).map(row -> labels[row]).toArray(), epsilon,
                        Arrays.stream(chosen).mapToLong(row -> seeds[row]).toArray());
                for (int i = 0; i < chosen.length; i++) {
                    broken[chosen[i]] = found[i];
                }
            }
            progress.update(phase, b, rows.length);
        }
        return broken;
    }

    /**
     * Per row, a seed mixing the run's seed, the attack's name and the sample's test index: an attack draws the same
     * numbers for a sample alone or in any suite, so the suite's worst case is never above the attack's own result.
     */
    private static long[] seeds(long seed, String attack, int from, int n) {
        long[] seeds = new long[n];
        for (int row = 0; row < n; row++) {
            long h = seed * 0x9E3779B97F4A7C15L + attack.hashCode() * 0xC2B2AE3D27D4EB4FL + (from + row);
            h ^= h >>> 33;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 33;
            seeds[row] = h;
        }
        return seeds;
    }

    /** Whether the float32 softmax of the row's largest logit is exactly 1, as the paper's code computes it. */
    private static boolean softmaxSaturates(float[] logits, int row, int k) {
        int top = Logits.argMax(logits, row, k);
        float sum = 0;
        for (int j = 0; j < k; j++) {
            sum += (float) Math.exp(logits[row * k + j] - logits[row * k + top]);
        }
        return 1f / sum == 1f;
    }

    public double cleanAccuracy(Dataset test) {
        long correct = 0;
        for (int from = 0; from < test.size(); from += batchSize) {
            int to = Math.min(test.size(), from + batchSize);
            try (NDManager batch = newBatchManager()) {
                float[] logits = network.logits(batch(batch, preprocessor.apply(test, from, to), 0, to - from,
                        test.featureSize())).toFloatArray();
                correct += Logits.correct(logits, Arrays.copyOfRange(test.labels(), from, to), network.numClasses());
            }
        }
        return correct / (double) test.size();
    }

    private interface BatchBody {
        void run(int from, int to);
    }

    private void forBatches(int n, BatchBody body) {
        for (int a = 0; a < n; a += batchSize) {
            body.run(a, Math.min(n, a + batchSize));
        }
    }

    private NDManager newBatchManager() {
        return network.manager().getParentManager().newSubManager();
    }

    private NDArray batch(NDManager manager, float[] inputs, int from, int to, int d) {
        return manager.create(Arrays.copyOfRange(inputs, from * d, to * d),
                new Shape(to - from).addAll(network.inputShape()));
    }
}
