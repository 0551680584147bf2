package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.attack.Attacks;
import org.deepdefense.attack.FixedBudgetAttack;
import org.deepdefense.attack.Norm;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attack suite on a real model: an MLP trained on Fashion-MNIST here, and the same model made overconfident by
 * scaling its logits (same decisions, saturated float32 softmax). No expected number is written down: each test
 * compares attacks with each other.
 */
class AttackSuiteTest {
    private static final double[] LINF = {5, 10, 20};
    private static final double[] L2 = {100, 250};
    private static final double LOGIT_SCALE = 80;

    private static NDManager root;
    private static Network network;
    private static Network overconfident;
    private static Preprocessor preprocessor;
    private static Dataset test;

    @BeforeAll
    static void train() throws Exception {
        root = NDManager.newBaseManager("PyTorch");
        Dataset train = DataSource.load(DatasetName.FASHION_MNIST, Split.TRAIN, null, 10_000, Architecture.MLP);
        test = DataSource.load(DatasetName.FASHION_MNIST, Split.TEST, null, 300, Architecture.MLP);
        preprocessor = Preprocessor.meanSubtraction(train);
        network = Network.create(Architecture.MLP, 1, 28, 28, 10, 7, root);
        try (Trainer trainer = new Trainer(network, TrainingConfig.defaults(Method.VANILLA).withEpochs(1),
                preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
        }
        overconfident = Network.create(Architecture.MLP, 1, 28, 28, 10, 7, root);
        Map<String, float[]> state = network.stateDict();
        for (String name : List.of("fc3.weight", "fc3.bias")) {
            float[] values = state.get(name);
            for (int i = 0; i < values.length; i++) {
                values[i] *= (float) LOGIT_SCALE;
            }
        }
        overconfident.loadStateDict(state);
    }

    @AfterAll
    static void close() {
        root.close();
    }

    private static RobustnessReport evaluate(Network model, List<String> attacks) {
        RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite("standard").withAttacks(attacks)
                .withBudgets(LINF, L2).withSettings(AttackSettings.defaults().withSquareQueries(1000));
        return new RobustnessEvaluator(model, preprocessor, 100).evaluate(test, "fashion-mnist", "vanilla", options,
                Progress.NONE);
    }

    private static double alone(RobustnessReport report, String attack, String norm, double eps) {
        return report.attacks().stream().filter(a -> a.name().equals(attack) && a.norm().equals(norm)).findFirst()
                .orElseThrow().accuracy().get(RobustnessReport.key(eps));
    }

    @Test
    void theOverconfidentModelMasksThePaperFgsButNotTheSuite() {
        RobustnessReport masked = evaluate(overconfident, List.of("standard"));
        RobustnessReport square = evaluate(overconfident, List.of("deepfool", "square"));
        double eps = LINF[1];
        double paper = masked.fgsCurve().get(RobustnessReport.key(eps));
        for (double other : new double[] {alone(masked, "fgs", "linf", eps), alone(masked, "apgd-ce", "linf", eps),
                alone(square, "square", "linf", eps)}) {
            assertTrue(other < paper - 0.2, "paper FGS " + paper + " vs " + other);
        }
        List<String> kinds = masked.warnings().stream().map(EvaluationWarning::kind).toList();
        assertTrue(kinds.contains("saturated-softmax") && kinds.contains("cross-entropy-masking"), kinds.toString());

        RobustnessReport honest = evaluate(network, List.of("standard"));
        assertEquals(List.of(), honest.warnings(), "no warning on the model as trained");
        assertEquals(honest.cleanAccuracy(), masked.cleanAccuracy(), "scaling logits changes no decision");
    }

    @Test
    void apgdIsAtLeastAsStrongAsTwentyStepPgdAtEveryBudget() {
        RobustnessReport pgd = evaluate(network, List.of("deepfool", "pgd"));
        RobustnessReport apgd = evaluate(network, List.of("deepfool", "apgd-ce"));
        double oneSample = 1.0 / test.size();
        for (String norm : List.of("linf", "l2")) {
            for (double eps : norm.equals("linf") ? LINF : L2) {
                double a = alone(apgd, "apgd-ce", norm, eps);
                double p = alone(pgd, "pgd", norm, eps);
                assertTrue(a <= p + oneSample, norm + " eps " + eps + ": APGD " + a + ", PGD " + p);
            }
        }
        assertTrue(alone(apgd, "apgd-ce", "linf", LINF[0]) < apgd.cleanAccuracy() - 0.1);
    }

    @Test
    void squareLowersAccuracyWithoutAnyGradientAndRobustAccuracyIsTheWorstCase() {
        RobustnessReport square = evaluate(network, List.of("deepfool", "square"));
        assertTrue(alone(square, "square", "linf", LINF[1]) < square.cleanAccuracy() - 0.2,
                "Square at eps " + LINF[1] + ": " + alone(square, "square", "linf", LINF[1]));
        RobustnessReport standard = evaluate(network, List.of("standard"));
        RobustnessReport targeted = evaluate(network, List.of("deepfool", "apgd-t"));
        for (String norm : List.of("linf", "l2")) {
            for (double eps : norm.equals("linf") ? LINF : L2) {
                double robust = standard.robustAccuracy().get(norm).get(RobustnessReport.key(eps));
                for (AttackSummary attack : standard.attacks()) {
                    Double accuracy = attack.norm().equals(norm) ? attack.accuracy().get(RobustnessReport.key(eps))
                            : null;
                    assertTrue(accuracy == null || robust <= accuracy, attack.name() + " " + norm + " " + eps);
                }
                assertTrue(robust <= alone(square, "square", norm, eps));
                assertTrue(robust <= alone(targeted, "apgd-t", norm, eps));
            }
        }
    }

    @Test
    void anApgdSamplesResultDoesNotDependOnTheRestOfItsBatch() {
        int n = 100;
        float[] inputs = preprocessor.apply(test, 0, n);
        int[] labels = Arrays.copyOf(test.labels(), n);
        long[] seeds = LongStream.range(0, n).map(i -> 1000 + i).toArray();
        for (String name : List.of("apgd-ce", "apgd-t")) {
            for (Norm norm : Norm.values()) {
                FixedBudgetAttack attack = Attacks.fixedBudget(name, norm,
                        AttackSettings.defaults().withApgd(30, 3));
                double eps = norm == Norm.LINF ? LINF[0] : L2[0];
                boolean[] whole = attack(attack, inputs, labels, seeds, 0, n, eps);
                boolean[] inSevens = new boolean[n];
                for (int a = 0; a < n; a += 7) {
                    int b = Math.min(n, a + 7);
                    System.arraycopy(attack(attack, inputs, labels, seeds, a, b, eps), 0, inSevens, a, b - a);
                }
                String what = name + " " + norm.label() + " eps " + eps;
                assertArrayEquals(whole, inSevens, what + ": rows that leave the batch change no other row");
                int broken = RobustnessReport.count(whole);
                assertTrue(broken > 0 && broken < n, what + " broke " + broken + " of " + n);
            }
        }
    }

    private static boolean[] attack(FixedBudgetAttack attack, float[] inputs, int[] labels, long[] seeds, int from,
            int to, double eps) {
        int d = test.featureSize();
        try (NDManager batch = root.newSubManager()) {
            return attack.attack(network, batch.create(Arrays.copyOfRange(inputs, from * d, to * d),
                    new Shape(to - from).addAll(network.inputShape())), Arrays.copyOfRange(labels, from, to), eps,
                    Arrays.copyOfRange(seeds, from, to));
        }
    }

    @Test
    void atALargerBudgetNothingAlreadyBrokenIsAttackedAgain() {
        RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite("standard").withBudgets(LINF, L2)
                .withSettings(AttackSettings.defaults().withSquareQueries(300).withApgd(30, 3));
        SampleOutcomes o = new RobustnessEvaluator(network, preprocessor, 100).outcomes(test, 0, test.size(), options,
                Progress.NONE);
        for (Norm norm : Norm.values()) {
            String first = SuiteStanding.firstFixedBudget(options.attacks(), norm);
            double[] budgets = options.budgets(norm);
            for (int e = 1; e < budgets.length; e++) {
                boolean[] robustBefore = SuiteStanding.robust(norm, budgets[e - 1], o.correct(), o.minimumNorm(),
                        o.fixedBudget(), null);
                for (BudgetOutcome run : o.fixedBudget()) {
                    if (run.norm() != norm || run.epsilon() != budgets[e]) {
                        continue;
                    }
                    BudgetOutcome earlier = SuiteStanding.atSmallerBudget(o.fixedBudget(), run.attack(), norm,
                            budgets[e]);
                    for (int i = 0; i < o.size(); i++) {
                        String where = run.attack() + " " + norm.label() + " " + budgets[e] + " sample " + i;
                        if (run.attack().equals(first)) {
                            assertTrue(!earlier.broken()[i] || run.broken()[i], where + ": alone, it stays broken");
                        } else {
                            assertTrue(!run.broken()[i] || robustBefore[i], where + ": attacked though broken");
                        }
                    }
                }
            }
        }
    }

    @Test
    void outcomesOfConsecutiveRangesConcatenateIntoTheWholeSetsReport() {
        RobustnessEvaluator evaluator = new RobustnessEvaluator(network, preprocessor, 50);
        RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite("standard").withBudgets(LINF, L2)
                .withSettings(AttackSettings.defaults().withSquareQueries(300).withApgd(30, 3));
        SampleOutcomes whole = evaluator.outcomes(test, 0, 300, options, Progress.NONE);
        SampleOutcomes merged = SampleOutcomes.concat(List.of(evaluator.outcomes(test, 0, 100, options,
                Progress.NONE), evaluator.outcomes(test, 100, 250, options, Progress.NONE),
                evaluator.outcomes(test, 250, 300, options, Progress.NONE)));
        assertArrayEquals(whole.correct(), merged.correct());
        assertArrayEquals(whole.inputNorms(), merged.inputNorms());
        whole.minimumNorm().forEach((attack, p) -> assertArrayEquals(p.sizes(),
                merged.minimumNorm().get(attack).sizes(), attack));
        for (int i = 0; i < whole.fixedBudget().size(); i++) {
            assertArrayEquals(whole.fixedBudget().get(i).broken(), merged.fixedBudget().get(i).broken(),
                    whole.fixedBudget().get(i).toString());
        }
        RobustnessReport a = RobustnessReport.of(whole, options, "mlp", "fashion-mnist", "vanilla", "space", 0);
        RobustnessReport b = RobustnessReport.of(merged, options, "mlp", "fashion-mnist", "vanilla", "space", 0);
        assertEquals(a.robustAccuracy(), b.robustAccuracy());
        assertEquals(a.rho2(), b.rho2());
        assertEquals(a.epsRef(), b.epsRef());
        assertEquals(a.warnings(), b.warnings());
    }
}
