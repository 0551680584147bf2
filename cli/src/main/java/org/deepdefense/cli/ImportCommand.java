package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.ModelImport;
import org.deepdefense.train.TrainingJob;

/** ./deepdefense import: a PyTorch state_dict (safetensors or NPZ) as the final checkpoint of a new run. */
final class ImportCommand {
    private ImportCommand() {}

    static void run(Args args) throws IOException {
        Architecture architecture = Architecture.parse(args.required("arch"));
        ModelImport.Format format = ModelImport.Format.parse(args.required("format"));
        Path file = args.path("in", null);
        if (file == null) {
            throw new Args.UsageException("missing --in FILE");
        }
        String runId = args.required("run-id");
        DatasetName dataset = DatasetName.parse(args.string("dataset", "fashion-mnist"));
        Path dataDir = args.path("data-dir", null);
        Integer classes = args.optionalInteger("classes");
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        args.requireAllUsed();
        try (NDManager root = Engines.newManager(DeviceChoice.CPU)) {
            TrainingJob.Saved saved = ModelImport.run(
                    new ModelImport.Request(file, format, architecture, dataset, dataDir, runId, classes), store,
                    root);
            System.err.printf("imported %s as %s (%s on %s, %d classes, input mean: %s, sha256 %s)%n", file,
                    saved.key(), architecture.id(), dataset.id(), saved.metadata().numClasses(),
                    saved.metadata().hyperparameters().get("inputMean"), saved.metadata().sha256());
            System.out.println(saved.key());
        }
    }
}
