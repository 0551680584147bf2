package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Network;
import org.deepdefense.nn.SmallNetworks;
import org.junit.jupiter.api.Test;

/**
 * Deep Defense trains a residual network end to end: strided convolutions, frozen BatchNorm, shortcuts and global
 * pooling in the unrolled DeepFool, on generated 3×32×32 images, lower the loss within a few steps.
 */
class ResNetDeepDefenseTrainingTest {
    private static final int BATCH = 32;
    private static final int STEPS = 6;

    @Test
    void deepDefenseStepsLowerTheLossOfASmallResNet() {
        Dataset data = GeneratedDataset.create(BATCH, 3, 32, 32, 10, 1);
        // One batch per epoch: every step sees the same images, so its loss before the update is comparable.
        TrainingConfig config = TrainingConfig.defaults(Method.DEEPDEFENSE).withEpochs(STEPS).withBatchSize(BATCH)
                .withLearningRate(1e-3);
        List<Double> losses = new ArrayList<>();
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network net = SmallNetworks.narrowResNet18Cifar(4, 3, 32, 10, 5, root);
                Trainer trainer = new Trainer(net, config, Preprocessor.meanSubtraction(data))) {
            trainer.run(data, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    losses.add(report.loss());
                    return true;
                }
            });
        }
        System.out.println("Deep Defense losses of a small ResNet: " + losses);
        assertTrue(losses.size() == STEPS && losses.stream().allMatch(Double::isFinite), "finite losses: " + losses);
        assertTrue(losses.get(STEPS - 1) < 0.9 * losses.get(0), "the loss falls: " + losses);
    }
}
