package org.deepdefense.attack.service;

import ai.djl.ndarray.NDManager;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.GeneratedImageFolders;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/**
 * A checkpoint store under target/ holding the final checkpoints of run {@value #RUN}, an MLP trained for one epoch
 * on generated data (accurate enough for FGS to have an ε_ref), and of run {@value #FOLDER_RUN}, an MLP trained on
 * the generated image folder {@value #FOLDER_ROOT} of a directory of image folders beside the store. Sets
 * {@code deepdefense.store.root} and {@code deepdefense.image-folders.dir} to them.
 */
public class TrainedCheckpointResource implements QuarkusTestResourceLifecycleManager {
    static final String RUN = "mlp-test-1";
    static final String KEY = CheckpointStore.keyFor(RUN, 0, 0, true);
    static final String FOLDER_RUN = "mlp-folder-1";
    static final String FOLDER_KEY = CheckpointStore.keyFor(FOLDER_RUN, 0, 0, true);
    static final String FOLDER_ROOT = "folders/bands";
    /** A 3-class folder and a checkpoint of it, too few classes for the standard suite's targeted DLR. */
    static final String THREE_CLASS_ROOT = "folders/three";
    static final String THREE_CLASS_RUN = "mlp-three-1";
    static final String THREE_CLASS_KEY = CheckpointStore.keyFor(THREE_CLASS_RUN, 0, 0, true);
    /** Validation images of the folder: 4 classes × 10 (the targeted DLR of APGD-T needs 4 classes). */
    static final int FOLDER_TEST_IMAGES = 40;

    @Override
    public Map<String, String> start() {
        try (NDManager manager = NDManager.newBaseManager()) {
            Path root = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "store-");
            TrainingConfig config = TrainingConfig.defaults(Method.VANILLA).withEpochs(1).withLearningRate(0.01);
            CheckpointStore store = new CheckpointStore(root);
            TrainingJob.run(new TrainingJob.Spec(RUN, DatasetName.GENERATED, null, Architecture.MLP, config, null,
                    null, 500), store, manager, new TrainingJob.Events() {});
            Path imageFolders = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "image-folders-");
            Path folder = GeneratedImageFolders.write(imageFolders.resolve(FOLDER_ROOT), 4, 40, 10, 28, 1);
            TrainingJob.run(new TrainingJob.Spec(FOLDER_RUN, DatasetName.IMAGEFOLDER, folder, Architecture.MLP,
                    config.withEpochs(3), null, null, null), store, manager, new TrainingJob.Events() {});
            Path three = GeneratedImageFolders.write(imageFolders.resolve(THREE_CLASS_ROOT), 3, 10, 2, 28, 2);
            TrainingJob.run(new TrainingJob.Spec(THREE_CLASS_RUN, DatasetName.IMAGEFOLDER, three, Architecture.MLP,
                    config, null, null, null), store, manager, new TrainingJob.Events() {});
            return Map.of("deepdefense.store.root", root.toString(), "deepdefense.image-folders.dir",
                    imageFolders.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        // The store stays under target/ for inspection; `mvn clean` removes it.
    }
}
