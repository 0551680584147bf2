package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
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
    void epsRefIsWhereFgsAccuracyCrossesOneHalfAndTheReportIsConsistent() {
        Dataset train = GeneratedDataset.create(500, 1, 28, 28, 10, 1);
        Dataset test = GeneratedDataset.create(200, 1, 28, 28, 10, 2);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root);
                Trainer trainer = new Trainer(network, TrainingConfig.defaults(Method.VANILLA).withEpochs(2),
                        preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
            RobustnessEvaluator evaluator = new RobustnessEvaluator(network, preprocessor, 64);
            RobustnessEvaluator.FgsSweep sweep = evaluator.fgsSweep(test, Progress.NONE);
            Double epsRef = sweep.epsRef(0.5, Progress.NONE);
            assertNotNull(epsRef);
            assertTrue(sweep.accuracyAt(epsRef) <= 0.5, "at eps_ref half the test set is misclassified");
            assertTrue(sweep.accuracyAt(epsRef * 0.99) > 0.5, "eps_ref is the smallest such eps (to 1 %)");

            RobustnessReport report = evaluator.evaluate(test, "generated", "vanilla",
                    RobustnessEvaluator.Options.defaults().withPgd(new double[] {epsRef / 2}, 5).withShortCap(5)
                            .withPgdL2(new double[] {epsRef * 10}).withCarliniWagner(50)
                            .withCurve(new double[] {0, epsRef / 2, epsRef}), Progress.NONE);
            assertEquals(evaluator.cleanAccuracy(test), report.cleanAccuracy());
            assertTrue(report.cleanAccuracy() > 0.9, "the model learned the generated task");
            assertTrue(report.rho2() > 0 && report.deepFoolUnconverged() == 0);
            assertTrue(report.fgsAccuracy().get("1.0") <= 0.5 && report.fgsAccuracy().get("0.2") > 0.5);
            double pgd = report.pgdAccuracy().values().iterator().next();
            assertTrue(pgd <= report.fgsAccuracy().get("0.5") + 0.05, "PGD at eps is at least about as strong as FGS");
            assertEquals(5, report.shortCapIterations());
            assertTrue(report.rho2ShortCap() > 0.5 * report.rho2() && report.rho2ShortCap() < 2 * report.rho2(),
                    "rho2 at 5 iterations " + report.rho2ShortCap() + ", at 50 " + report.rho2());
            assertEquals(1, report.pgdL2Accuracy().size());
            assertTrue(report.pgdL2Accuracy().values().iterator().next() < report.cleanAccuracy());
            assertEquals(50, report.cwSamples());
            assertTrue(report.cwMedianRatio() > 0 && report.cwMedianRatio() < 2 * report.rho2(),
                    "C&W median " + report.cwMedianRatio() + " is a minimum-norm attack, DeepFool rho2 " + report.rho2());
            assertEquals(java.util.List.of(report.cleanAccuracy(), report.fgsAccuracy().get("0.5"),
                    report.fgsAccuracy().get("1.0")), java.util.List.copyOf(report.fgsCurve().values()),
                    "the FGS curve passes through the clean and ε_ref-ratio accuracies");
            assertEquals(report.cleanAccuracy(), report.pgdCurve().values().iterator().next(), "PGD at ε = 0");
            assertEquals(pgd, report.pgdCurve().get(String.format(java.util.Locale.ROOT, "%g", epsRef / 2)));
            assertEquals(report.toJson(), RobustnessReport.fromJson(report.toJson()).toJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}
