package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.LearningRateSchedule;
import org.deepdefense.train.Method;
import org.deepdefense.train.ModelCheckpoints;
import org.deepdefense.train.Stabilisers;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/**
 * ./deepdefense compare: the paper's comparison for one architecture. One vanilla model is trained on the training
 * set minus a held-out validation split; every other method fine-tunes that same model; each model is evaluated
 * with ε_ref taken from the Deep Defense model, as in the paper. Everything is resumable: training runs resume
 * from their checkpoints, and a row whose checkpoint and ε_ref are unchanged is not evaluated again. Rows are
 * written as JSON, then a Markdown table and an SVG of the robustness curves are made from them.
 */
final class CompareCommand {
    static final String ALL_METHODS = "deepdefense,vanilla,parseval,fgs-adv,deepfool-adv";
    /** ε/ε_ref of the L∞ budgets: points of the robustness curves and the PGD-L∞ columns of the table. */
    static final double[] CURVE_RATIOS = {0.1, 0.2, 0.3, 0.5, 0.75, 1.0};
    /** PGD first, so that its accuracy alone is known; then AutoAttack's suite on what PGD left standing. */
    static final List<String> ATTACKS = List.of("deepfool", "deepfool-short", "paper-fgs", "fgs", "pgd", "apgd-ce",
            "apgd-t", "square");
    /** PGD-L2 radii, as ratios of the Deep Defense model's ρ₂ times the mean ‖x‖₂. */
    static final double[] PGD_L2_RATIOS = {0.5, 1.0};
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private CompareCommand() {}

    /**
     * One row of the comparison.
     *
     * @param trainSeconds wall time of the training run, as measured when it ran (null if it was resumed; kept in
     *     {@code train-times/} beside the results directory)
     * @param commands the equivalent train and evaluate commands for this row alone
     * @param lrSchedule the learning-rate schedule the run trained with (null in rows written before it was kept)
     * @param stabilisers how often each stabiliser fired over the whole run (null in rows written before they were
     *     counted)
     */
    record Row(String method, String checkpoint, String sha256, long seed, int epochs, Double trainSeconds,
            double evaluationSeconds, List<String> commands, String evaluatedOn, String lrSchedule,
            Map<String, Long> stabilisers, RobustnessReport report) {}

    static void run(Args args, String commandLine) throws IOException {
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        DatasetName dataset = DatasetName.parse(args.string("dataset", "fashion-mnist"));
        Path dataDir = args.path("data-dir", null);
        List<Method> methods = Arrays.stream(args.string("methods", ALL_METHODS).split(","))
                .map(String::trim).map(Method::parse).toList();
        int vanillaEpochs = args.integer("vanilla-epochs", 10);
        int epochs = args.integer("epochs", 5);
        Holdout holdout = Holdout.parse(args, "test");
        Integer fineTuneSubset = args.optionalInteger("fine-tune-subset");
        RobustnessEvaluator.Options suite = RobustnessEvaluator.Options.suite("standard")
                .withAttacks(args.flag("cw") ? append(ATTACKS, "cw-l2") : ATTACKS).withSettings(attackSettings(args));
        long seed = args.integer("seed", 1);
        String tag = args.string("tag", null);
        TrainingConfig recipe = fineTuningRecipe(args, epochs, seed);
        String prefix = "cmp-" + dataset.id() + "-" + architecture.id();
        String suffix = tag == null ? "" : "-" + tag;
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Path results = args.path("results", "docs/results/" + dataset.id() + "-" + architecture.id() + suffix
                + (holdout.onValidation() ? "-validation" : ""));
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        if (!methods.contains(Method.VANILLA) && !methods.contains(Method.DEEPDEFENSE)) {
            throw new Args.UsageException("--methods must include vanilla or deepdefense (ε_ref comes from them)");
        }
        Files.createDirectories(results);

        Splits splits = holdout.load(dataset, dataDir, architecture);
        int trainSize = splits.trainSize();
        Dataset evaluation = splits.evaluation();
        String evaluatedOn = splits.evaluatedOn();

        try (NDManager root = Engines.newManager(device)) {
            Map<Method, Trained> trained = new LinkedHashMap<>();
            String vanillaRun = prefix + "-vanilla-e" + vanillaEpochs + "-s" + seed;
            TrainingJob.Spec vanillaSpec = new TrainingJob.Spec(vanillaRun, dataset, dataDir, architecture,
                    TrainingConfig.defaults(Method.VANILLA).withEpochs(vanillaEpochs).withSeed(seed), null, null,
                    trainSize);
            Trained vanilla = train(vanillaSpec, store, results, root);
            trained.put(Method.VANILLA, vanilla);
            for (Method method : methods) {
                if (method != Method.VANILLA) {
                    TrainingConfig config = recipe.withMethod(method);
                    String runId = prefix + "-" + method.id() + suffix
                            + (fineTuneSubset == null ? "" : "-n" + fineTuneSubset) + "-e" + epochs + "-s" + seed;
                    trained.put(method, train(new TrainingJob.Spec(runId,
                            dataset, dataDir, architecture, config, vanilla.key, vanilla.sha256,
                            fineTuneSubset == null ? trainSize : Math.min(fineTuneSubset, trainSize)), store, results,
                            root));
                }
            }

            // ε_ref and the PGD-L2 radii come from the Deep Defense model (else vanilla), as in the paper.
            Method referenceMethod = methods.contains(Method.DEEPDEFENSE) ? Method.DEEPDEFENSE : Method.VANILLA;
            Reference reference = Reference.of(trained.get(referenceMethod), evaluation, evaluatedOn, store, root,
                    results);
            List<Row> rows = new ArrayList<>();
            for (Method method : methods) {
                rows.add(evaluate(method, trained.get(method), reference, evaluation, evaluatedOn, suite, seed,
                        store, root, results, commandLine));
            }
            String table = ResultsTable.markdown(rows);
            Files.writeString(results.resolve("table.md"), table);
            Files.writeString(results.resolve("curves.svg"), RobustnessCurves.svg(rows,
                    architecture.id() + " on " + evaluatedOn));
            System.out.print(table);
            System.err.println("wrote " + results.resolve("table.md") + " and " + results.resolve("curves.svg"));
        }
    }

    /** The attacks' defaults with --apgd-iterations and --square-queries: cheaper evaluations for quick looks. */
    static AttackSettings attackSettings(Args args) {
        AttackSettings defaults = AttackSettings.defaults();
        return defaults.withApgd(args.integer("apgd-iterations", defaults.apgdIterations()), defaults.apgdTargets())
                .withSquareQueries(args.integer("square-queries", defaults.squareQueries()));
    }

    /**
     * Which images train and which evaluate: every model trains on the training set minus its last
     * {@code validationSize} images (the validation split, for choosing hyperparameters without looking at the test
     * set) and is evaluated on that split or on the test set, on their first {@code evalSubset} images if given.
     */
    record Holdout(int validationSize, boolean onValidation, Integer evalSubset) {
        static Holdout parse(Args args, String defaultEvalOn) {
            int validationSize = args.integer("validation", 5000);
            boolean onValidation = switch (args.string("eval-on", defaultEvalOn)) {
                case "test" -> false;
                case "validation" -> true;
                default -> throw new Args.UsageException("--eval-on is test or validation");
            };
            return new Holdout(validationSize, onValidation, args.optionalInteger("eval-subset"));
        }

        Splits load(DatasetName dataset, Path dataDir, Architecture architecture) throws IOException {
            Dataset train = DataSource.load(dataset, Split.TRAIN, dataDir, null, architecture);
            if (validationSize < 0 || validationSize >= train.size()) {
                throw new Args.UsageException("--validation must be in [0, " + train.size() + ")");
            }
            int trainSize = train.size() - validationSize;
            // The validation split is the tail of the training file; every model trains on the head only.
            Dataset evaluation = onValidation
                    ? train.select(IntStream.range(trainSize, train.size()).toArray())
                    : DataSource.load(dataset, Split.TEST, dataDir, null, architecture);
            if (evalSubset != null) {
                evaluation = evaluation.head(Math.min(evalSubset, evaluation.size()));
            }
            String evaluatedOn = String.format(Locale.ROOT, "%s %s, %d samples", dataset.id(),
                    onValidation ? "validation split (last " + validationSize + " training images)" : "test set",
                    evaluation.size());
            return new Splits(trainSize, evaluation, evaluatedOn);
        }
    }

    /** @param trainSize the training images before the validation split */
    record Splits(int trainSize, Dataset evaluation, String evaluatedOn) {}

    /**
     * The fine-tuning recipe every method shares (the paper's, learning rate 5e-4) with the command's overrides;
     * each method reads the parameters it uses.
     */
    private static TrainingConfig fineTuningRecipe(Args args, int epochs, long seed) {
        TrainingConfig d = TrainingConfig.defaults(Method.DEEPDEFENSE);
        return new TrainingConfig(Method.DEEPDEFENSE, epochs, d.batchSize(), args.number("lr", d.learningRate()), d.momentum(),
                d.weightDecay(),
                LearningRateSchedule.parse(args.string("lr-schedule", d.learningRateSchedule().id())), args.number("lambda", d.lambda()),
                args.number("c", d.c()), args.number("d", d.d()), d.deepFoolIterations(), d.overshoot(), seed,
                args.number("parseval-beta", d.parsevalBeta()), args.number("adv-epsilon", d.adversarialEpsilon()),
                args.number("adv-ratio", d.adversarialRatio()));
    }

    record Trained(TrainingJob.Spec spec, String key, String sha256, Double seconds) {}

    /** Trains (or resumes, or finds finished) one run; its wall time is kept beside the results. */
    static Trained train(TrainingJob.Spec spec, CheckpointStore store, Path results, NDManager root)
            throws IOException {
        // Beside the results directories, shared by them: a run trained for one comparison keeps its time in all.
        Path timing = results.toAbsolutePath().resolveSibling("train-times").resolve(spec.runId() + ".json");
        Files.createDirectories(timing.getParent());
        boolean fresh = store.latest(spec.runId()).isEmpty();
        long begun = System.nanoTime();
        TrainingJob.Saved saved = TrainingJob.run(spec, store, root, new TrainProgress(spec)).orElseThrow();
        Double seconds;
        // A run trained here from its start replaces what an earlier training of the same run id recorded.
        if (!fresh && Files.exists(timing)) {
            JsonNode kept = JSON.readTree(timing.toFile()).path("seconds");
            seconds = kept.isNumber() ? kept.asDouble() : null;
        } else {
            seconds = fresh ? (System.nanoTime() - begun) / 1e9 : null;
            Map<String, Object> record = new LinkedHashMap<>();
            record.put("runId", spec.runId());
            record.put("seconds", seconds);
            record.put("note", fresh ? "trained from start to end in one go" : "resumed: wall time not measured");
            record.put("device", saved.metadata().device());
            JSON.writeValue(timing.toFile(), record);
        }
        return new Trained(spec, saved.key(), saved.metadata().sha256(), seconds);
    }

    /**
     * What the reference model fixes for every row: ε_ref (its FGS ε at 50 % accuracy) and the L2 reference radius
     * ρ₂·mean‖x‖₂. Kept in reference.json so a resumed comparison does not measure it again.
     */
    record Reference(String checkpoint, String sha256, String evaluatedOn, double epsRef, String source,
            double l2Reference) {
        static Reference of(Trained model, Dataset evaluation, String evaluatedOn, CheckpointStore store,
                NDManager root, Path results) throws IOException {
            Path file = results.resolve("reference.json");
            if (Files.exists(file)) {
                Reference kept = JSON.readValue(file.toFile(), Reference.class);
                if (kept.sha256.equals(model.sha256) && kept.evaluatedOn.equals(evaluatedOn)) {
                    return kept;
                }
            }
            System.err.printf("reference: eps_ref and rho2 of %s on %s%n", model.key, evaluatedOn);
            try (ModelCheckpoints.Loaded loaded = ModelCheckpoints.load(store, model.key, model.sha256, root)) {
                RobustnessEvaluator evaluator = new RobustnessEvaluator(loaded.network(), loaded.preprocessor(), 100);
                RobustnessReport paper = evaluator.evaluate(evaluation, model.spec.dataset().id(),
                        model.spec.config().method().id(), RobustnessEvaluator.Options.suite("paper")
                                .withBudgets(new double[0], new double[0]), new ProgressPrinter().evaluation());
                Double epsRef = paper.epsRef();
                if (epsRef == null) {
                    throw new IllegalStateException("FGS never brought " + model.key + " to 50 % accuracy: no eps_ref");
                }
                double rho2 = paper.rho2();
                Reference reference = new Reference(model.key, model.sha256, evaluatedOn, epsRef,
                        model.spec.config().method().id() + " model", rho2 * meanNorm(evaluation,
                        loaded.preprocessor()));
                JSON.writeValue(file.toFile(), reference);
                return reference;
            }
        }
    }

    private static double meanNorm(Dataset data, Preprocessor preprocessor) {
        int d = data.featureSize();
        double sum = 0;
        for (int from = 0; from < data.size(); from += 1000) {
            int to = Math.min(data.size(), from + 1000);
            float[] x = preprocessor.apply(data, from, to);
            for (int n = 0; n < to - from; n++) {
                double squared = 0;
                for (int i = n * d; i < (n + 1) * d; i++) {
                    squared += (double) x[i] * x[i];
                }
                sum += Math.sqrt(squared);
            }
        }
        return sum / data.size();
    }

    private static Row evaluate(Method method, Trained model, Reference reference, Dataset evaluation,
            String evaluatedOn, RobustnessEvaluator.Options suite, long seed, CheckpointStore store, NDManager root, Path results,
            String commandLine) throws IOException {
        RobustnessEvaluator.Options options = suite.withSeed(seed).withEpsRef(reference.epsRef, reference.source)
                .withBudgets(scale(CURVE_RATIOS, reference.epsRef), scale(PGD_L2_RATIOS, reference.l2Reference));
        Path file = results.resolve(method.id() + ".json");
        Row previous = Files.exists(file) ? JSON.readValue(file.toFile(), Row.class) : null;
        Row row = evaluate(previous, method, model, options, evaluation, evaluatedOn, seed, store, root, commandLine);
        if (evaluatedAnew(row, previous)) {
            JSON.writeValue(file.toFile(), row);
        }
        return row;
    }

    /** Whether {@link #evaluate(Row, Method, Trained, RobustnessEvaluator.Options, Dataset, String, long,
     * CheckpointStore, NDManager, String) evaluate} measured {@code row} rather than keeping {@code previous}'s. */
    static boolean evaluatedAnew(Row row, Row previous) {
        // A kept row carries the very report object it was read with.
        return previous == null || row.report() != previous.report();
    }

    /**
     * Evaluates one trained model, or keeps {@code previous} (null if none) when it is of the same checkpoint,
     * evaluation set and (when the options fix one) ε_ref: resuming evaluates only what changed.
     */
    static Row evaluate(Row previous, Method method, Trained model, RobustnessEvaluator.Options options,
            Dataset evaluation, String evaluatedOn, long seed, CheckpointStore store, NDManager root,
            String commandLine) throws IOException {
        if (previous != null) {
            boolean sameReference = options.epsRef() == null || previous.report().epsRef() != null
                    && previous.report().epsRef().equals(options.epsRef());
            if (previous.sha256().equals(model.sha256) && previous.evaluatedOn().equals(evaluatedOn) && sameReference) {
                System.err.printf("%s: %s already evaluated, kept%n", method.id(), model.key);
                return new Row(previous.method(), previous.checkpoint(), previous.sha256(), previous.seed(),
                        previous.epochs(), model.seconds, previous.evaluationSeconds(), previous.commands(),
                        previous.evaluatedOn(), previous.lrSchedule(), previous.stabilisers(), previous.report());
            }
        }
        System.err.printf("%s: evaluating %s on %s%n", method.id(), model.key, evaluatedOn);
        RobustnessReport report;
        long begun = System.nanoTime();
        try (ModelCheckpoints.Loaded loaded = ModelCheckpoints.load(store, model.key, model.sha256, root)) {
            report = new RobustnessEvaluator(loaded.network(), loaded.preprocessor(), 100).evaluate(evaluation,
                    model.spec.dataset().id(), method.id(), options, new ProgressPrinter().evaluation());
        }
        double seconds = (System.nanoTime() - begun) / 1e9;
        Stabilisers fired = Stabilisers.runIn(store.readMetadata(model.key).metrics());
        return new Row(method.id(), model.key, model.sha256, seed, model.spec.config().epochs(), model.seconds,
                seconds, List.of(trainCommand(model.spec), commandLine), evaluatedOn,
                model.spec.config().learningRateSchedule().id(), fired.toMap(), report);
    }

    static List<String> append(List<String> list, String more) {
        List<String> longer = new ArrayList<>(list);
        longer.add(more);
        return longer;
    }

    private static double[] scale(double[] ratios, double factor) {
        return Arrays.stream(ratios).map(ratio -> ratio * factor).toArray();
    }

    /** The ./deepdefense train command that reproduces a run on its own. */
    static String trainCommand(TrainingJob.Spec spec) {
        TrainingConfig c = spec.config();
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "./deepdefense train --run-id %s --method %s --arch %s --dataset %s --epochs %d --lr %s"
                        + " --lr-schedule %s --seed %d --train-subset %d", spec.runId(), c.method().id(),
                spec.architecture().id(), spec.dataset().id(), c.epochs(), c.learningRate(),
                c.learningRateSchedule().id(), c.seed(), spec.trainSubset()));
        if (spec.baseCheckpoint() != null) {
            s.append(" --from ").append(spec.baseCheckpoint());
        }
        switch (c.method()) {
            case DEEPDEFENSE -> s.append(String.format(Locale.ROOT, " --lambda %s --c %s --d %s", c.lambda(), c.c(),
                    c.d()));
            case PARSEVAL -> s.append(" --parseval-beta ").append(c.parsevalBeta());
            case FGS_ADV -> s.append(String.format(Locale.ROOT, " --adv-epsilon %s --adv-ratio %s",
                    c.adversarialEpsilon(), c.adversarialRatio()));
            case DEEPFOOL_ADV -> s.append(" --adv-ratio ").append(c.adversarialRatio());
            case VANILLA -> { }
        }
        return s.toString();
    }
}
