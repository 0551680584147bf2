package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;

/** Where Deep Defense fine-tuning follows the official code, and how often this project's stabilisers fire. */
class FineTuningFidelityTest {

    /** MLP-BN: Deep Defense steps leave BatchNorm's γ, β (and running statistics) bit-identical, move the rest. */
    @Test
    void deepDefenseStepsLeaveBatchNormUntouched() {
        Dataset train = GeneratedDataset.create(200, 1, 28, 28, 10, 3);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP_BN, 1, 28, 28, 10, 5, root)) {
            // A vanilla epoch first, so that running statistics and γ, β are no longer their initial values.
            train(network, TrainingConfig.defaults(Method.VANILLA), train, preprocessor);
            Map<String, float[]> before = network.stateDict();
            train(network, TrainingConfig.defaults(Method.DEEPDEFENSE), train, preprocessor);
            Map<String, float[]> after = network.stateDict();
            for (String name : before.keySet()) {
                boolean batchNorm = name.startsWith("bn");
                assertEquals(batchNorm, Arrays.equals(before.get(name), after.get(name)),
                        name + (batchNorm ? " changed under Deep Defense" : " did not move"));
            }
            assertFalse(Arrays.equals(new float[150], before.get("bn2.bias")), "β was trained by the vanilla epoch");
            assertEquals(4, network.frozenIn(Mode.EVAL).size(), "γ and β of both BatchNorm layers are frozen");
            assertTrue(network.frozenIn(Mode.TRAIN).isEmpty(), "plain training trains γ and β");
        }
    }

    private static void train(Network network, TrainingConfig config, Dataset train, Preprocessor preprocessor) {
        try (Trainer trainer = new Trainer(network, config.withEpochs(1).withBatchSize(100), preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
        }
    }

    /**
     * A one-pixel linear classifier where the DeepFool step is known: logits (x₀ + b₀, b₁), boundary normal −e₀,
     * step length |gap| + 10⁻⁴ with gap = x₀ + b₀ − b₁.
     */
    private static Network linear(NDManager root, float bias0) {
        Network network = Network.create(Architecture.LINEAR, 1, 1, 2, 2, 1, root);
        Map<String, float[]> state = new LinkedHashMap<>();
        state.put("fc1.weight", new float[] {1, 0, 0, 0});
        state.put("fc1.bias", new float[] {bias0, 0});
        network.loadStateDict(state);
        return network;
    }

    @Test
    void theRatioCapIsCountedWhereROvershootsTwo() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = linear(root, 0);
                NDManager step = root.newSubManager()) {
            // x = (1, 0): one step of length 1.0001 crosses the boundary; with overshoot 1, r = 2.0002 > 2.
            NDArray x = step.create(new float[] {1, 0}, new Shape(1, 1, 1, 2));
            Objective.Loss loss = new DeepDefenseObjective(15, 25, 5, new UnrolledDeepFool(5, 1))
                    .loss(network, x, network.forward(x, Mode.EVAL), new int[] {0});
            assertEquals(2.0002, loss.meanRatio(), 1e-4);
            assertEquals(new Stabilisers(1, 0, 0, 0), loss.fired());
            // With the default overshoot r = 1.02: nothing fires.
            Objective.Loss plain = new DeepDefenseObjective(15, 25, 5, new UnrolledDeepFool(5, 0.02))
                    .loss(network, x, network.forward(x, Mode.EVAL), new int[] {0});
            assertEquals(Stabilisers.NONE, plain.fired());
        }
    }

    @Test
    void theStepBoundIsCountedForEveryStepItStops() {
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = linear(root, 5);
                NDManager step = root.newSubManager()) {
            // Gap 6 against 2‖x‖ = 2: every one of the 5 iterations would step too far, so each is counted.
            NDArray x = step.create(new float[] {1, 0}, new Shape(1, 1, 1, 2));
            Objective.Loss loss = new DeepDefenseObjective(15, 25, 5, new UnrolledDeepFool(5, 0.02))
                    .loss(network, x, network.forward(x, Mode.EVAL), new int[] {0});
            assertEquals(new Stabilisers(0, 5, 0, 0), loss.fired());
        }
    }
}
