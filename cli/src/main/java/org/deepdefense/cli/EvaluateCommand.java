package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.attack.Pgd;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.ModelCheckpoints;

/** ./deepdefense evaluate: an attack suite on a checkpoint's test set, worst case per sample, with masking checks. */
final class EvaluateCommand {
    private EvaluateCommand() {}

    static void run(Args args) throws IOException {
        String key = args.required("checkpoint");
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Path dataDir = args.path("data-dir", null);
        String subset = args.string("test-subset", null);
        int pgdSteps = args.integer("pgd-steps", 20);
        AttackSettings defaults = AttackSettings.defaults();
        AttackSettings settings = defaults.withDeepFoolIterations(args.integer("deepfool-iterations", 50))
                .withShortCap(args.integer("short-cap", defaults.shortCapIterations()))
                .withPgd(pgdSteps, args.number("pgd-step", Pgd.usualStepFraction(pgdSteps)))
                .withApgd(args.integer("apgd-iterations", defaults.apgdIterations()),
                        args.integer("apgd-targets", defaults.apgdTargets()))
                .withSquareQueries(args.integer("square-queries", defaults.squareQueries()));
        // --attacks names attacks and presets one by one; --suite is the shorthand for one preset.
        String suite = args.string("suite", "standard");
        RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite(suite)
                .withAttacks(Arrays.asList(args.string("attacks", suite).split(",")))
                .withBudgets(args.numbers("linf-eps", RobustnessEvaluator.Options.DEFAULT_LINF),
                        args.numbers("l2-eps", RobustnessEvaluator.Options.DEFAULT_L2))
                .withSettings(settings).withSeed(args.integer("seed", 1));
        String epsRef = args.string("eps-ref", null);
        if (epsRef != null) {
            options = options.withEpsRef(Double.parseDouble(epsRef), "given");
        }
        Path json = args.path("json", null);
        int batchSize = args.integer("batch-size", 100);
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();

        try (NDManager root = Engines.newManager(device);
                ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, root)) {
            CheckpointMetadata meta = model.checkpoint().metadata();
            Dataset test = DataSource.load(DatasetName.parse(meta.dataset()), Split.TEST, dataDir,
                    subset == null ? null : Integer.valueOf(subset), Architecture.parse(meta.architecture()));
            System.err.printf("evaluating %s on %d %s test samples with %s%n", key, test.size(), meta.dataset(),
                    options.attacks());
            RobustnessReport report = new RobustnessEvaluator(model.network(), model.preprocessor(), batchSize)
                    .evaluate(test, meta.dataset(), meta.method(), options, new ProgressPrinter().evaluation());
            System.out.print(report.table());
            if (json != null) {
                Files.writeString(json, report.toJson());
                System.err.println("wrote " + json);
            }
        }
    }
}
