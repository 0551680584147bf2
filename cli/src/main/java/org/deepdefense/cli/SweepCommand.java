package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.DatasetName;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.StrengthParameter;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingJob;

/**
 * ./deepdefense sweep: a {@link SweepRequest} (a JSON file, the same contract as the Kafka record) run on this machine,
 * one point after the other, with compare's machinery: every point fine-tunes the sweep's base checkpoint on the
 * training set minus the validation split and is evaluated on that split by default, so that a strength can be
 * chosen without looking at the test set. Resumable: a point's run resumes from its checkpoints and a point already
 * evaluated on the same set is kept. {@code --submit} sends the sweep to the platform instead; {@code --plot} draws
 * the frontier from the points already in the results directory.
 */
final class SweepCommand {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    static final String FRONTIER = "frontier.svg";
    private static final String SHORT_CAP = "deepfool-short";

    /** One evaluated point, {@code <results>/<runId>.json}. */
    record PointResult(String sweepId, String runId, String method, Map<String, Double> parameters, long seed,
            int epochs, CompareCommand.Row row) {}

    private SweepCommand() {}

    static void run(Args args, String commandLine) throws Exception {
        Path requestFile = args.path("request", null);
        SweepRequest sweep = requestFile == null ? null : read(requestFile);
        if (args.flag("submit")) {
            submit(args, required(sweep));
        } else if (args.flag("choose")) {
            choose(args, required(sweep));
        } else if (args.flag("plot")) {
            Path results = args.path("results", sweep == null ? null : defaultResults(sweep, args).toString());
            args.requireAllUsed();
            if (results == null) {
                throw new Args.UsageException("--plot needs --results DIR or --request FILE");
            }
            System.out.println(plot(results));
        } else {
            runLocally(args, required(sweep), commandLine);
        }
    }

    /**
     * Prints each method's choice from the points of a validation sweep; with {@code --out}, writes the follow-up
     * sweep (the choices and the control over {@code --seeds}) to run with {@code --eval-on test}; its attack suite
     * is the validation sweep's unless {@code --attacks} names another (a validation sweep may measure only what the
     * choice reads, ρ₂, when the full suite would cost more than the training).
     */
    private static void choose(Args args, SweepRequest sweep) throws IOException {
        Path results = args.path("results", defaultResults(sweep, args).toString());
        double within = args.number("within", 0.5);
        List<Long> seeds = Stream.of(args.string("seeds", "1,2,3").split(",")).map(String::trim).map(Long::valueOf)
                .toList();
        Path out = args.path("out", null);
        String attacks = args.string("attacks", null);
        args.requireAllUsed();
        SweepChoice choice = SweepChoice.of(points(results), within / 100);
        System.out.print(choice.summary());
        if (out != null) {
            List<String> suite = attacks == null ? sweep.attacks()
                    : Stream.of(attacks.split(",")).map(String::trim).toList();
            SweepRequest followUp;
            try {
                followUp = choice.followUp(sweep, seeds, suite);
            } catch (InvalidMessageException e) {
                throw new Args.UsageException("--attacks " + attacks + ": " + e.getMessage());
            }
            JSON.writeValue(out.toFile(), followUp);
            System.err.println("wrote the follow-up sweep to " + out + "; run it with --eval-on test");
        }
    }

    private static SweepRequest required(SweepRequest sweep) {
        if (sweep == null) {
            throw new Args.UsageException("missing --request FILE (a SweepRequest, docs/MESSAGES.md)");
        }
        return sweep;
    }

    private static SweepRequest read(Path file) throws IOException {
        try {
            return Messages.parseSweepRequest(Files.readAllBytes(file));
        } catch (InvalidMessageException e) {
            throw new Args.UsageException(file + ": " + e.getMessage());
        }
    }

    private static void submit(Args args, SweepRequest sweep) throws Exception {
        Path runDir = PipelineCommands.runDir(args);
        String bootstrap = args.string("bootstrap", null);
        args.requireAllUsed();
        if (bootstrap == null) {
            bootstrap = PipelineCommands.bootstrapServers(runDir).orElse(SubmitCommand.DEFAULT_BOOTSTRAP);
        }
        SubmitCommand.send(bootstrap, Topics.SWEEP_REQUESTS, sweep.sweepId(), sweep);
        System.out.printf("submitted sweep %s (%s) to %s at %s%n", sweep.sweepId(), sweep.pointCountExplained(),
                Topics.SWEEP_REQUESTS, bootstrap);
    }

    private static Path defaultResults(SweepRequest sweep, Args args) {
        return Path.of("docs/results/sweeps", sweep.sweepId() + "-" + args.string("eval-on", "validation"));
    }

    private static void runLocally(Args args, SweepRequest sweep, String commandLine) throws IOException {
        CompareCommand.Holdout holdout = CompareCommand.Holdout.parse(args, "validation");
        Path results = args.path("results", defaultResults(sweep, args).toString());
        // --data-dir is both a trainer's data directory and its directory of image folders.
        Path given = args.path("data-dir", null);
        Path dataDir = DataSource.directory(given, given, sweep.datasetRoot());
        // ρ₂ at both caps, as compare reports it: the paper's 5 DeepFool iterations besides the suite's 50.
        List<String> attacks = sweep.attacks().contains(SHORT_CAP) ? sweep.attacks()
                : CompareCommand.append(sweep.attacks(), SHORT_CAP);
        RobustnessEvaluator.Options suite = RobustnessEvaluator.Options.suite("standard").withAttacks(attacks)
                .withSettings(CompareCommand.attackSettings(args));
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Files.createDirectories(results);

        CompareCommand.Splits splits = holdout.load(DatasetName.parse(sweep.dataset()), dataDir,
                Architecture.parse(sweep.architecture()));
        Integer asked = sweep.trainSubset();
        if (asked != null && asked > splits.trainSize()) {
            throw new Args.UsageException("trainSubset " + asked + " would train on the validation split: at most "
                    + splits.trainSize() + " (the training set minus --validation " + holdout.validationSize() + ")");
        }
        int trainSubset = asked != null ? asked : splits.trainSize();

        List<TrainingRequest> points = sweep.expand();
        List<PointResult> done = new ArrayList<>();
        try (NDManager root = Engines.newManager(device)) {
            for (int i = 0; i < points.size(); i++) {
                TrainingRequest point = points.get(i);
                System.err.printf("sweep %s: point %d of %d, %s%n", sweep.sweepId(), i + 1, points.size(),
                        point.runId());
                TrainingJob.Spec asRequested = TrainingJob.Spec.of(point, dataDir);
                TrainingJob.Spec spec = new TrainingJob.Spec(asRequested.runId(), asRequested.dataset(), dataDir,
                        asRequested.architecture(), asRequested.config(), asRequested.baseCheckpoint(),
                        asRequested.baseSha256(), trainSubset);
                CompareCommand.Trained trained = CompareCommand.train(spec, store, results, root);
                Path file = results.resolve(point.runId() + ".json");
                PointResult previous = Files.exists(file) ? JSON.readValue(file.toFile(), PointResult.class) : null;
                CompareCommand.Row row = CompareCommand.evaluate(previous == null ? null : previous.row(),
                        Method.parse(point.method()), trained, suite.withSeed(point.seed()), splits.evaluation(),
                        splits.evaluatedOn(), point.seed(), store, root, commandLine);
                PointResult result = new PointResult(sweep.sweepId(), point.runId(), point.method(),
                        StrengthParameter.valuesOf(point.method(), point.hyperparameters()), point.seed(),
                        point.hyperparameters().epochs(), row);
                if (CompareCommand.evaluatedAnew(row, previous == null ? null : previous.row())) {
                    JSON.writeValue(file.toFile(), result);
                }
                done.add(result);
            }
        }
        for (PointResult result : done) {
            var report = result.row().report();
            System.out.printf(Locale.ROOT, "%-48s clean %6.2f %%  rho2 %.3e  robust %s%n", result.runId(),
                    100 * report.cleanAccuracy(), report.rho2(), report.robustAccuracy());
        }
        System.err.println("wrote " + points.size() + " points and " + plot(results));
    }

    /** Draws {@code frontier.svg} in {@code results} from the points there; returns its path. */
    static Path plot(Path results) throws IOException {
        List<PointResult> points = points(results);
        Path svg = results.resolve(FRONTIER);
        Files.writeString(svg, SweepFrontier.svg(points, "sweep " + points.get(0).sweepId() + " on "
                + points.get(0).row().evaluatedOn()));
        return svg;
    }

    /** The points written to {@code results}, in file-name order. */
    private static List<PointResult> points(Path results) throws IOException {
        List<PointResult> points = new ArrayList<>();
        try (Stream<Path> files = Files.list(results)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                points.add(JSON.readValue(file.toFile(), PointResult.class));
            }
        }
        if (points.isEmpty()) {
            throw new Args.UsageException("no sweep points (<run-id>.json) in " + results);
        }
        return points;
    }
}
