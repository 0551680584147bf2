package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.LearningRateSchedule;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/** ./deepdefense train: a vanilla or Deep Defense run, from scratch or from a checkpoint, resumable. */
final class TrainCommand {
    private TrainCommand() {}

    static void run(Args args) throws IOException {
        Method method = Method.parse(args.string("method", "vanilla"));
        TrainingConfig defaults = TrainingConfig.defaults(method);
        TrainingConfig config = new TrainingConfig(method,
                args.integer("epochs", defaults.epochs()),
                args.integer("batch-size", defaults.batchSize()),
                args.number("lr", defaults.learningRate()),
                args.number("momentum", defaults.momentum()),
                args.number("weight-decay", defaults.weightDecay()),
                LearningRateSchedule.parse(args.string("lr-schedule", defaults.learningRateSchedule().id())),
                args.number("lambda", defaults.lambda()),
                args.number("c", defaults.c()),
                args.number("d", defaults.d()),
                args.integer("deepfool-iterations", defaults.deepFoolIterations()),
                args.number("overshoot", defaults.overshoot()),
                args.integer("seed", (int) defaults.seed()),
                args.number("parseval-beta", defaults.parsevalBeta()),
                args.number("adv-epsilon", defaults.adversarialEpsilon()),
                args.number("adv-ratio", defaults.adversarialRatio()));
        String runId = args.required("run-id");
        DatasetName dataset = DatasetName.parse(args.string("dataset", "fashion-mnist"));
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        Path dataDir = args.path("data-dir", null);
        String base = args.string("from", null);
        String subset = args.string("train-subset", null);
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();

        TrainingJob.Spec spec = new TrainingJob.Spec(runId, dataset, dataDir, architecture, config, base, null,
                subset == null ? null : Integer.valueOf(subset));
        try (NDManager root = Engines.newManager(device)) {
            Optional<TrainingJob.Saved> saved = TrainingJob.run(spec, store, root, new TrainProgress(spec));
            TrainingJob.Saved result = saved.orElseThrow();
            System.out.println(result.key());
        }
    }
}
