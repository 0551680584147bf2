package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.List;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.deepdefense.train.Method;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingConfig;
import org.junit.jupiter.api.Test;

class RobustnessEvaluatorTest {

    @Test
    void epsRefIsWhereThePaperFgsCrossesOneHalfAndTheReportIsConsistent() throws Exception {
        Dataset train = GeneratedDataset.create(500, 1, 28, 28, 10, 1);
        Dataset test = GeneratedDataset.create(200, 1, 28, 28, 10, 2);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root);
                Trainer trainer = new Trainer(network, TrainingConfig.defaults(Method.VANILLA).withEpochs(2),
                        preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
            RobustnessEvaluator evaluator = new RobustnessEvaluator(network, preprocessor, 64);
            RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite("full")
                    .withBudgets(new double[] {1, 4}, new double[] {50})
                    .withSettings(org.deepdefense.attack.AttackSettings.defaults().withSquareQueries(200));
            RobustnessReport report = evaluator.evaluate(test, "generated", "vanilla", options, Progress.NONE);
            assertEquals(evaluator.cleanAccuracy(test), report.cleanAccuracy());
            assertTrue(report.cleanAccuracy() > 0.9, "the model learned the generated task");
            assertTrue(report.rho2() > 0 && report.deepFoolUnconverged() == 0);
            assertNotNull(report.epsRef());
            assertTrue(report.paperFgs().accuracyAt(report.epsRef()) <= 0.5, "at eps_ref half is misclassified");
            assertTrue(report.paperFgs().accuracyAt(Math.nextDown(report.epsRef())) > 0.5, "and not below it");
            assertEquals(report.paperFgs().accuracyAt(report.epsRef()), report.fgsAccuracy().get("1.0"));
            assertTrue(report.fgsAccuracy().get("0.2") >= report.fgsAccuracy().get("0.5"));
            assertEquals(5, report.shortCapIterations());
            assertTrue(report.rho2ShortCap() > 0.5 * report.rho2() && report.rho2ShortCap() <= report.rho2() * 1.01,
                    "rho2 at 5 iterations " + report.rho2ShortCap() + ", at 50 " + report.rho2());
            assertEquals(200, report.cwSamples());
            assertTrue(report.cwMedianRatio() > 0 && report.cwMedianRatio() < 2 * report.rho2(),
                    "C&W median " + report.cwMedianRatio() + " is a minimum-norm attack, DeepFool rho2 " + report.rho2());
            assertEquals(List.of("linf", "l2"), List.copyOf(report.robustAccuracy().keySet()));
            assertTrue(report.robustAccuracy().get("linf").get("4") <= report.robustAccuracy().get("linf").get("1"));
            assertEquals(2, report.pgdAccuracy().size(), "PGD runs first among the fixed-budget attacks of full");
            assertEquals(report.cleanAccuracy(), report.fgsCurve().get("0"));
            assertEquals(report.toJson(), RobustnessReport.fromJson(report.toJson()).toJson());

            RobustnessReport reread = report.withEpsRef(2 * report.epsRef(), "another model");
            assertEquals(report.paperFgs().accuracyAt(report.epsRef()), reread.fgsAccuracy().get("0.5"));
        }
    }

    @Test
    void budgetsMustBePositiveAndDeepFoolIsRequired() {
        var options = RobustnessEvaluator.Options.suite("paper");
        assertThrows(IllegalArgumentException.class, () -> options.withBudgets(new double[] {0}, new double[0]));
        assertThrows(IllegalArgumentException.class, () -> options.withAttacks(List.of("apgd-ce")));
        assertThrows(IllegalArgumentException.class, () -> options.withAttacks(List.of("deepfool", "nonsense")));
        assertNull(RobustnessEvaluator.Options.suite("paper").epsRef());
    }
}
