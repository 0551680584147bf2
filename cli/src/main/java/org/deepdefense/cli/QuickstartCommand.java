package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.ModelCheckpoints;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/**
 * ./deepdefense quickstart: the paper's experiment in small — vanilla training, Deep Defense fine-tuning of that
 * model, and a side-by-side robustness table. ε_ref comes from the Deep Defense model, as in the paper.
 * Resumable: finished runs are not trained again.
 */
final class QuickstartCommand {
    /** The standard suite at the default budgets, Square at 1,000 queries to keep the quick start quick. */
    static final RobustnessEvaluator.Options QUICK_SUITE = RobustnessEvaluator.Options.suite("standard")
            .withSettings(AttackSettings.defaults().withSquareQueries(1000));

    private QuickstartCommand() {}

    static void run(Args args) throws IOException {
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        DatasetName dataset = DatasetName.parse(args.string("dataset", "fashion-mnist"));
        Path dataDir = args.path("data-dir", null);
        int vanillaEpochs = args.integer("vanilla-epochs", 5);
        int epochs = args.integer("epochs", 1);
        int testSubset = args.integer("test-subset", 2000);
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();

        String vanillaRun = "quickstart-vanilla-" + architecture.id();
        String defenseRun = "quickstart-deepdefense-" + architecture.id();
        try (NDManager root = Engines.newManager(device)) {
            System.err.printf("1/3 vanilla training: %s on %s, %d epochs%n", architecture.id(), dataset.id(), vanillaEpochs);
            String vanilla = train(new TrainingJob.Spec(vanillaRun, dataset, dataDir, architecture,
                    TrainingConfig.defaults(Method.VANILLA).withEpochs(vanillaEpochs), null, null, null), store, root);
            System.err.printf("2/3 Deep Defense fine-tuning of %s, %d epoch(s)%n", vanilla, epochs);
            String defended = train(new TrainingJob.Spec(defenseRun, dataset, dataDir, architecture,
                    TrainingConfig.defaults(Method.DEEPDEFENSE).withEpochs(epochs), vanilla,
                    store.readMetadata(vanilla).sha256(), null), store, root);
            System.err.printf("3/3 evaluation on %d test samples%n", testSubset);
            Dataset test = DataSource.load(dataset, Split.TEST, dataDir, testSubset, architecture);
            // The same budgets for both models; the paper's FGS columns at the Deep Defense model's ε_ref.
            RobustnessReport defense = evaluate(store, defended, test, QUICK_SUITE, root);
            RobustnessReport plain = evaluate(store, vanilla, test, QUICK_SUITE, root);
            if (defense.epsRef() != null) {
                plain = plain.withEpsRef(defense.epsRef(), "Deep Defense model");
            }
            System.out.print(compare(plain, defense));
        }
    }

    private static String train(TrainingJob.Spec spec, CheckpointStore store, NDManager root) throws IOException {
        return TrainingJob.run(spec, store, root, new TrainProgress(spec)).orElseThrow().key();
    }

    private static RobustnessReport evaluate(CheckpointStore store, String key, Dataset test,
            RobustnessEvaluator.Options options, NDManager root) throws IOException {
        try (ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, root)) {
            var meta = model.checkpoint().metadata();
            return new RobustnessEvaluator(model.network(), model.preprocessor(), 100)
                    .evaluate(test, meta.dataset(), meta.method(), options, new ProgressPrinter().evaluation());
        }
    }

    /** One column of the comparison table: an in-process report (quickstart) or the evaluator's (demo). */
    record Column(double cleanAccuracy, double rho2, Map<String, Double> fgsAccuracy,
            Map<String, Map<String, Double>> robustAccuracy, int warnings) {
        static Column of(RobustnessReport report) {
            return new Column(report.cleanAccuracy(), report.rho2(), report.fgsAccuracy(), report.robustAccuracy(),
                    report.warnings().size());
        }
    }

    static String compare(RobustnessReport vanilla, RobustnessReport defense) {
        return compare(Column.of(vanilla), Column.of(defense), String.format(Locale.ROOT,
                "eps_ref = %s (from the Deep Defense model); robust accuracy: worst case over %s; %d test samples;"
                        + " budgets %s%n",
                defense.epsRef() == null ? "not reached" : String.format(Locale.ROOT, "%.4g", defense.epsRef()),
                defense.suite(), defense.samples(), defense.budgetUnits()));
    }

    /** The table, FGS rows in the Deep Defense column's ratios, then {@code footer}. */
    static String compare(Column vanilla, Column defense, String footer) {
        StringBuilder s = new StringBuilder();
        String row = "%-26s %14s %14s%n";
        s.append(String.format(Locale.ROOT, row, "", "vanilla", "deep defense"));
        s.append(String.format(Locale.ROOT, row, "clean accuracy", percent(vanilla.cleanAccuracy()),
                percent(defense.cleanAccuracy())));
        s.append(String.format(Locale.ROOT, row, "rho2 (DeepFool, 50 it.)",
                String.format(Locale.ROOT, "%.3e", vanilla.rho2()), String.format(Locale.ROOT, "%.3e", defense.rho2())));
        for (String ratio : defense.fgsAccuracy().keySet()) {
            s.append(String.format(Locale.ROOT, row, "paper FGS @ " + ratio + " eps_ref",
                    percent(vanilla.fgsAccuracy().get(ratio)), percent(defense.fgsAccuracy().get(ratio))));
        }
        defense.robustAccuracy().forEach((norm, byEps) -> byEps.forEach((eps, accuracy) ->
                s.append(String.format(Locale.ROOT, row, "robust acc " + norm + " " + eps,
                        percent(vanilla.robustAccuracy().getOrDefault(norm, Map.of()).get(eps)), percent(accuracy)))));
        s.append(String.format(Locale.ROOT, row, "masking warnings", vanilla.warnings(), defense.warnings()));
        return s.append(footer).toString();
    }

    private static String percent(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * value);
    }
}
