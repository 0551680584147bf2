package org.deepdefense.attack.service;

import ai.djl.ndarray.NDManager;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/**
 * A checkpoint store under target/ holding the final checkpoint of run {@value #RUN}: an MLP trained for one
 * epoch on generated data, so that it is accurate enough for FGS to have an ε_ref. Sets
 * {@code deepdefense.store.root} to it.
 */
public class TrainedCheckpointResource implements QuarkusTestResourceLifecycleManager {
    static final String RUN = "mlp-test-1";
    static final String KEY = CheckpointStore.keyFor(RUN, 0, 0, true);

    @Override
    public Map<String, String> start() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "store-");
            TrainingConfig config = TrainingConfig.defaults(Method.VANILLA).withEpochs(1).withLearningRate(0.01);
            TrainingJob.run(new TrainingJob.Spec(RUN, DatasetName.GENERATED, null, Architecture.MLP, config, null,
                    null, 500), new CheckpointStore(root), manager, new TrainingJob.Events() {});
            return Map.of("deepdefense.store.root", root.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // The store stays under target/ for inspection; `mvn clean` removes it.
    }
}
