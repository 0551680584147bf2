package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;

/**
 * Device-to-host copies per training step, which cost a synchronisation each on a GPU: a vanilla step needs 3
 * (logits, loss, gradient norm), a Deep Defense step at most 3 more per DeepFool iteration plus 3.
 */
class HostTransfersTest {
    @Test
    void aTrainingStepCopiesFewArraysToTheHost() {
        Dataset train = GeneratedDataset.create(200, 1, 28, 28, 10, 3);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        int iterations = TrainingConfig.defaults(Method.DEEPDEFENSE).deepFoolIterations();
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 5, root)) {
            double vanilla = perStep(network, TrainingConfig.defaults(Method.VANILLA), train, preprocessor);
            double deepDefense = perStep(network, TrainingConfig.defaults(Method.DEEPDEFENSE), train, preprocessor);
            assertTrue(vanilla <= 3, "vanilla: " + vanilla + " transfers per step");
            assertTrue(deepDefense <= 6 + 3 * iterations, "deep defense: " + deepDefense + " transfers per step");
        }
    }

    private static double perStep(Network network, TrainingConfig config, Dataset train, Preprocessor preprocessor) {
        try (Trainer trainer = new Trainer(network, config.withEpochs(1).withBatchSize(50), preprocessor)) {
            long before = HostTransfers.count();
            int[] steps = {0};
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    steps[0]++;
                    return true;
                }
            });
            return (HostTransfers.count() - before) / (double) steps[0];
        }
    }
}
