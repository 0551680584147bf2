package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.Fgs;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.messages.Messages;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;
import org.deepdefense.nn.Parameter;
import org.junit.jupiter.api.Test;

/** The baseline methods of the paper's comparison: Parseval networks, FGS and DeepFool adversarial training. */
class BaselineMethodsTest {

    @Test
    void everyMethodTheMessageContractAllowsIsOneTheEngineTrains() {
        assertEquals(Messages.METHODS, Arrays.stream(Method.values()).map(Method::id).toList());
    }

    @Test
    void parsevalRetractionIsOneStepOfTheFormulaAndConvergesToOrthonormalRows() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            int rows = 6;
            int columns = 15;
            NDArray weight = m.randomNormal(0, 0.4f, new Shape(rows, columns), DataType.FLOAT32);
            NDArray vector = m.ones(new Shape(rows));
            List<Parameter> parameters = List.of(new Parameter("fc.weight", weight, true),
                    new Parameter("bn.weight", vector, true));
            double[][] w = matrix(weight.toFloatArray(), rows, columns);
            double beta = 0.1;
            ParsevalRetraction retraction = new ParsevalRetraction(beta);
            try (NDManager step = m.newSubManager()) {
                retraction.apply(parameters, step);
            }
            double[][] gram = multiply(w, transpose(w));
            double[][] expected = new double[rows][columns];
            double[][] gramW = multiply(gram, w);
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < columns; j++) {
                    expected[i][j] = (1 + beta) * w[i][j] - beta * gramW[i][j];
                }
            }
            float[] after = weight.toFloatArray();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < columns; j++) {
                    assertEquals(expected[i][j], after[i * columns + j], 1e-5, "W[" + i + "][" + j + "]");
                }
            }
            assertTrue(Arrays.equals(new float[] {1, 1, 1, 1, 1, 1}, vector.toFloatArray()), "vectors untouched");

            double before = orthonormalityDefect(weight.toFloatArray(), rows, columns);
            for (int k = 0; k < 200; k++) {
                try (NDManager step = m.newSubManager()) {
                    retraction.apply(parameters, step);
                }
            }
            double defect = orthonormalityDefect(weight.toFloatArray(), rows, columns);
            assertTrue(defect < 1e-3 && defect < before / 100, "‖WWᵀ − I‖ went from " + before + " to " + defect);
        }
    }

    @Test
    void fgsAdversarialLossMixesCleanAndFgsCrossEntropy() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 5, m)) {
            NDArray x = m.randomNormal(0, 50, new Shape(8, 1, 28, 28), DataType.FLOAT32);
            int[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
            double epsilon = 4;
            NDArray adversarial = x.add(Fgs.gradientSign(network, x, labels).mul((float) epsilon));
            double clean = Objective.crossEntropy(network.logits(x), labels).getFloat();
            double attacked = Objective.crossEntropy(network.logits(adversarial), labels).getFloat();
            assertTrue(attacked > clean, "FGS raises the loss: " + clean + " -> " + attacked);
            double mixed = AdversarialTrainingObjective.fgs(epsilon, 0.3)
                    .loss(network, x, network.forward(x, Mode.TRAIN), labels).value().getFloat();
            assertEquals(0.7 * clean + 0.3 * attacked, mixed, 1e-4 * Math.abs(mixed));
        }
    }

    @Test
    void deepFoolAdversarialLossUsesExamplesAcrossTheBoundary() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 6, m)) {
            NDArray x = m.randomNormal(0, 50, new Shape(8, 1, 28, 28), DataType.FLOAT32);
            int[] labels = {0, 1, 2, 3, 4, 5, 6, 7};
            DeepFool deepFool = new DeepFool(5, 0.02);
            DeepFool.Result result = deepFool.attack(network, x);
            NDArray adversarial = x.add(m.create(result.perturbations(), x.getShape()));
            double attacked = Objective.crossEntropy(network.logits(adversarial), labels).getFloat();
            Objective.Loss loss = AdversarialTrainingObjective.deepFool(deepFool, 1.0)
                    .loss(network, x, network.forward(x, Mode.TRAIN), labels);
            assertEquals(attacked, loss.value().getFloat(), 1e-4 * attacked);
            assertEquals(Arrays.stream(result.ratios()).average().orElseThrow(), loss.meanRatio(), 1e-9);
        }
    }

    /**
     * Each baseline fine-tunes a vanilla model with a finite loss, and does what it is for: Parseval makes the
     * weights more orthonormal than plain fine-tuning does, FGS adversarial training raises accuracy under FGS.
     */
    @Test
    void eachBaselineFineTunesAVanillaModelTowardsItsGoal() {
        Dataset train = GeneratedDataset.create(600, 1, 28, 28, 10, 1);
        Dataset test = GeneratedDataset.create(200, 1, 28, 28, 10, 2);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            Map<String, float[]> vanilla = trained(train, preprocessor, TrainingConfig.defaults(Method.VANILLA)
                    .withEpochs(2), null, root);
            Map<String, Map<String, float[]>> tuned = new java.util.LinkedHashMap<>();
            for (Method method : List.of(Method.VANILLA, Method.PARSEVAL, Method.FGS_ADV, Method.DEEPFOOL_ADV)) {
                TrainingConfig config = TrainingConfig.defaults(method).withEpochs(2).withLearningRate(5e-4);
                if (method == Method.PARSEVAL) {
                    config = new TrainingConfig(method, 2, 100, 5e-4, 0.9, 5e-4, LearningRateSchedule.LAST_EPOCH, 15, 25, 5, 5, 0.02, 1, 0.1,
                            8, 0.5);
                }
                tuned.put(method.id(), trained(train, preprocessor, config, vanilla, root));
            }
            double plainDefect = defect(tuned.get("vanilla"));
            double parsevalDefect = defect(tuned.get("parseval"));
            assertTrue(parsevalDefect < 0.9 * plainDefect,
                    "Parseval: orthonormality defect " + parsevalDefect + " vs plain fine-tuning " + plainDefect);

            double plainFgs = fgsAccuracy(tuned.get("vanilla"), test, preprocessor, 8, root);
            double adversarialFgs = fgsAccuracy(tuned.get("fgs-adv"), test, preprocessor, 8, root);
            assertTrue(adversarialFgs > plainFgs, "FGS accuracy at ε=8: " + plainFgs + " plain vs "
                    + adversarialFgs + " after FGS adversarial training");
            assertTrue(!Arrays.equals(vanilla.get("fc1.weight"), tuned.get("deepfool-adv").get("fc1.weight")),
                    "DeepFool adversarial training changed the weights");
        }
    }

    private static Map<String, float[]> trained(Dataset train, Preprocessor preprocessor, TrainingConfig config,
            Map<String, float[]> start, NDManager root) {
        try (Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 3, root);
                Trainer trainer = new Trainer(network, config, preprocessor)) {
            if (start != null) {
                network.loadStateDict(start);
            }
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    assertTrue(Double.isFinite(report.loss()), config.method().id() + ": loss " + report.loss());
                    return true;
                }
            });
            return network.stateDict();
        }
    }

    private static double fgsAccuracy(Map<String, float[]> state, Dataset test, Preprocessor preprocessor,
            double epsilon, NDManager root) {
        try (Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 3, root)) {
            network.loadStateDict(state);
            // The paper's FGS along each sample's ray: broken at ε when its minimal step is at most ε.
            var fgs = org.deepdefense.attack.FgsLineSearch.withLoss(org.deepdefense.attack.Losses.PAPER_CROSS_ENTROPY);
            int correct = 0;
            for (int from = 0; from < test.size(); from += 100) {
                int to = Math.min(test.size(), from + 100);
                try (NDManager batch = root.newSubManager()) {
                    int[] labels = Arrays.copyOfRange(test.labels(), from, to);
                    var found = fgs.minimalPerturbations(network, batch.create(preprocessor.apply(test, from, to),
                            new Shape(to - from, 1, 28, 28)), labels);
                    for (int i = 0; i < labels.length; i++) {
                        correct += found.fooled()[i] && found.sizes()[i] <= epsilon ? 0 : 1;
                    }
                }
            }
            return correct / (double) test.size();
        }
    }

    /** Sum over weight matrices of ‖WWᵀ − I‖_F. */
    private static double defect(Map<String, float[]> state) {
        double sum = 0;
        for (var entry : state.entrySet()) {
            if (entry.getKey().endsWith(".weight")) {
                int rows = rowsOf(entry.getKey());
                sum += orthonormalityDefect(entry.getValue(), rows, entry.getValue().length / rows);
            }
        }
        return sum;
    }

    private static int rowsOf(String name) {
        return switch (name) {
            case "fc1.weight" -> 500;
            case "fc2.weight" -> 150;
            default -> 10;
        };
    }

    private static double orthonormalityDefect(float[] values, int rows, int columns) {
        double[][] w = matrix(values, rows, columns);
        double[][] gram = multiply(w, transpose(w));
        double sum = 0;
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < rows; j++) {
                double e = gram[i][j] - (i == j ? 1 : 0);
                sum += e * e;
            }
        }
        return Math.sqrt(sum);
    }

    private static double[][] matrix(float[] values, int rows, int columns) {
        double[][] w = new double[rows][columns];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < columns; j++) {
                w[i][j] = values[i * columns + j];
            }
        }
        return w;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }
}
