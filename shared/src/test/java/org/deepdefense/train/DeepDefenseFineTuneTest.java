package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepdefense.Prerequisite;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.Progress;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paper's claim in miniature: Deep Defense fine-tuning of a vanilla model raises ρ₂ and keeps accuracy. */
class DeepDefenseFineTuneTest {
    private static final Path FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    @Test
    void fineTuningRaisesRho2AndKeepsCleanAccuracy(@TempDir Path dir) throws Exception {
        Prerequisite.require(Files.isDirectory(FASHION_MNIST) || System.getenv("DEEPDEFENSE_FASHION_MNIST_DIR") != null,
                "Fashion-MNIST is not installed (apt-get install -y dataset-fashion-mnist)");
        CheckpointStore store = new CheckpointStore(dir);
        TrainingConfig vanilla = TrainingConfig.defaults(Method.VANILLA).withEpochs(2);
        TrainingConfig deepDefense = TrainingConfig.defaults(Method.DEEPDEFENSE).withEpochs(1);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            String base = TrainingJob.run(new TrainingJob.Spec("vanilla", DatasetName.FASHION_MNIST, null,
                    Architecture.MLP, vanilla, null, null, 10_000), store, root, new TrainingJob.Events() {}).orElseThrow().key();
            String tuned = TrainingJob.run(new TrainingJob.Spec("deepdefense", DatasetName.FASHION_MNIST, null,
                    Architecture.MLP, deepDefense, base, store.readMetadata(base).sha256(), 3_000), store, root,
                    new TrainingJob.Events() {}).orElseThrow().key();
            Dataset test = DataSource.load(DatasetName.FASHION_MNIST, Split.TEST, null, 1_000, Architecture.MLP);
            double[] before = measure(store, base, test, root);
            double[] after = measure(store, tuned, test, root);
            System.out.printf("vanilla: accuracy %.4f rho2 %.4e; deep defense: accuracy %.4f rho2 %.4e%n",
                    before[0], before[1], after[0], after[1]);
            assertTrue(after[1] > 1.2 * before[1], "rho2 rises: " + before[1] + " -> " + after[1]);
            assertEquals(before[0], after[0], 0.01, "clean accuracy within 1 point");
            assertEquals(base, store.readMetadata(CheckpointStore.keyFor("deepdefense", 1, 0, false)).parentCheckpoint(),
                    "the fine-tuned run records the vanilla model it started from");
        }
    }

    /** {clean accuracy, ρ₂}. */
    private static double[] measure(CheckpointStore store, String key, Dataset test, NDManager root) throws Exception {
        try (ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, root)) {
            RobustnessEvaluator evaluator = new RobustnessEvaluator(model.network(), model.preprocessor(), 100);
            RobustnessReport report = evaluator.evaluate(test, "fashion-mnist", "any", RobustnessEvaluator.Options
                    .suite("paper").withAttacks(java.util.List.of("deepfool")).withBudgets(new double[0], new double[0]),
                    Progress.NONE);
            return new double[] {report.cleanAccuracy(), report.rho2()};
        }
    }
}
