package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.Method;
import org.deepdefense.train.Trainer;
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
                !args.flag("no-lr-halving"),
                args.number("lambda", defaults.lambda()),
                args.number("c", defaults.c()),
                args.number("d", defaults.d()),
                args.integer("deepfool-iterations", defaults.deepFoolIterations()),
                args.number("overshoot", defaults.overshoot()),
                args.integer("seed", (int) defaults.seed()));
        String runId = args.required("run-id");
        DatasetName dataset = DatasetName.parse(args.string("dataset", "fashion-mnist"));
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        Path dataDir = args.path("data-dir", null);
        String base = args.string("from", null);
        String subset = args.string("train-subset", null);
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        args.requireAllUsed();

        TrainingJob.Spec spec = new TrainingJob.Spec(runId, dataset, dataDir, architecture, config, base, null,
                subset == null ? null : Integer.valueOf(subset));
        ProgressPrinter printer = new ProgressPrinter();
        try (NDManager root = Engines.newManager()) {
            Optional<TrainingJob.Saved> saved = TrainingJob.run(spec, store, root, new TrainingJob.Events() {
                @Override
                public void started(String device, int stepsPerEpoch, Trainer.Position from) {
                    System.err.printf(Locale.ROOT, "run %s: %s %s on %s, device %s, %d steps/epoch, from epoch %d step %d%n",
                            runId, method.id(), architecture.id(), dataset.id(), device, stepsPerEpoch,
                            from.epoch() + 1, from.step());
                }

                @Override
                public boolean step(Trainer.StepReport r) {
                    printer.print(String.format(Locale.ROOT,
                            "  epoch %d/%d step %d/%d  loss %.4f  acc %.3f%s  %.0f img/s  ETA %s",
                            r.epoch() + 1, r.epochs(), r.step(), r.stepsPerEpoch(), r.loss(), r.accuracy(),
                            Double.isNaN(r.meanRatio()) ? "" : String.format(Locale.ROOT, "  r %.4f", r.meanRatio()),
                            r.imagesPerSecond(), ProgressPrinter.duration(r.etaSeconds())),
                            r.step() == r.stepsPerEpoch());
                    return true;
                }

                @Override
                public void checkpointSaved(String key, CheckpointMetadata metadata) {
                    System.err.printf(Locale.ROOT, "  saved checkpoint %s (sha256 %s) %s%n", key, metadata.sha256(),
                            metadata.metrics());
                }
            });
            TrainingJob.Saved result = saved.orElseThrow();
            System.out.println(result.key());
        }
    }
}
