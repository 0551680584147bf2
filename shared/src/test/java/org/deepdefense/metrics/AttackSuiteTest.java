package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
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
