package org.deepdefense.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Hyperparameters;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingProgress;
import org.deepdefense.train.Stabilisers;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.pipeline.TopicReader;

/**
 * ./deepdefense demo: quickstart through the platform — `up`, a vanilla Fashion-MNIST run, a Deep Defense
 * fine-tuning of its final checkpoint, both reports side by side, `down` (also on Ctrl-C).
 */
final class DemoCommand {
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(30);

    private DemoCommand() {}

    static void run(Args args) throws Exception {
        Path runDir = PipelineCommands.runDir(args);
        int trainSubset = args.integer("train-subset", 20_000);
        int testSubset = args.integer("test-subset", 2_000);
        int vanillaEpochs = args.integer("vanilla-epochs", 3);
        int epochs = args.integer("epochs", 1);
        args.requireAllUsed();

        String bootstrap = PipelineCommands.up(runDir, PipelineCommands.projectRoot()).bootstrapServers();
        // Ctrl-C or the end of the demo: the pipeline goes with it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                PipelineCommands.down(runDir);
            } catch (Exception e) {
                System.err.println("could not stop the pipeline: " + e.getMessage() + "; run ./deepdefense down");
            }
        }, "demo-down"));
        System.err.println("pipeline up at " + bootstrap + " (run directory " + runDir + ")");

        String suffix = Long.toString(System.currentTimeMillis(), 36);
        TrainingRequest vanilla = request("demo-vanilla-" + suffix, "vanilla", vanillaEpochs, 1e-3, null, null,
                trainSubset, testSubset);
        System.err.printf("1/3 vanilla MLP on Fashion-MNIST, %d epochs on %d training images%n", vanillaEpochs,
                trainSubset);
        SubmitCommand.send(bootstrap, vanilla);
        CheckpointPublished base = awaitFinalCheckpoint(bootstrap, vanilla.runId());

        TrainingRequest defense = request("demo-deepdefense-" + suffix, "deepdefense", epochs,
                Hyperparameters.DEFAULTS.learningRate(), base.storeKey(), base.sha256(),
                trainSubset, testSubset);
        System.err.printf("2/3 Deep Defense fine-tuning of %s, %d epoch(s)%n", base.storeKey(), epochs);
        SubmitCommand.send(bootstrap, defense);
        CheckpointPublished defended = awaitFinalCheckpoint(bootstrap, defense.runId());

        System.err.printf("3/3 attacks on %d test images: waiting for both reports%n", testSubset);
        Map<String, RobustnessReportMessage> reports = awaitReports(bootstrap,
                List.of(base.checkpointId(), defended.checkpointId()));
        RobustnessReport robust = reports.get(defended.checkpointId()).report();
        RobustnessReport plain = reports.get(base.checkpointId()).report();
        // The same budgets for both; the paper's FGS columns at the Deep Defense model's ε_ref, as in the paper.
        if (robust.epsRef() != null) {
            plain = plain.withEpsRef(robust.epsRef(), "Deep Defense model");
        }
        System.out.print(QuickstartCommand.compare(QuickstartCommand.Column.of(plain),
                QuickstartCommand.Column.of(robust), String.format(Locale.ROOT,
                        "eps_ref = %s (from the Deep Defense model); robust accuracy: worst case over %s; a subset:"
                                + " %d training and %d test images; budgets %s%n", epsRef(robust), robust.suite(),
                        trainSubset, testSubset, robust.budgetUnits())));
    }

    private static TrainingRequest request(String runId, String method, int epochs, double learningRate,
            String from, String fromSha256, int trainSubset, int testSubset) {
        var d = Hyperparameters.DEFAULTS;
        return new TrainingRequest(Messages.SCHEMA_VERSION, runId, "fashion-mnist", null, "mlp", method, from, fromSha256,
                new Hyperparameters(epochs, d.batchSize(), learningRate, d.momentum(),
                        d.weightDecay(), d.lambda(), d.c(), d.d(), d.deepFoolIterations(), d.overshoot(),
                        d.lrSchedule(), d.parsevalBeta(), d.adversarialEpsilon(), d.adversarialRatio()),
                1, TrainingRequest.DEFAULT_ATTACKS, trainSubset, testSubset, null);
    }

    /** Shows the run's progress (with the trainer's ETA) until its final checkpoint is published. */
    private static CheckpointPublished awaitFinalCheckpoint(String bootstrap, String runId) {
        ProgressPrinter printer = new ProgressPrinter();
        return TopicReader.await(bootstrap, List.of(Topics.TRAINING_PROGRESS, Topics.CHECKPOINTS), RUN_TIMEOUT,
                record -> {
                    if (!runId.equals(record.key())) {
                        return Optional.empty();
                    }
                    if (record.topic().equals(Topics.CHECKPOINTS)) {
                        CheckpointPublished checkpoint = Messages.parseCheckpointPublished(record.value());
                        return checkpoint.finalCheckpoint() ? Optional.of(checkpoint) : Optional.empty();
                    }
                    printProgress(printer, record);
                    return Optional.empty();
                });
    }

    private static void printProgress(ProgressPrinter printer, ConsumerRecord<String, byte[]> record) {
        TrainingProgress p = Messages.parseTrainingProgress(record.value());
        if (p.status().equals(TrainingProgress.FAILED)) {
            throw new IllegalStateException("run " + p.runId() + " failed: " + p.message());
        }
        if (p.status().equals(TrainingProgress.RUNNING) && p.imagesPerSecond() == 0) {
            // Sent when the run starts, before any step: there is no loss or speed to show yet.
            printer.print(String.format(Locale.ROOT, "  run %s started on %s: %d epochs of %d steps",
                    p.runId(), p.device(), p.epochs(), p.stepsPerEpoch()), true);
            return;
        }
        printer.print(String.format(Locale.ROOT, "  epoch %d/%d step %5d/%-5d loss %.4f acc %.3f %6.0f img/s  ETA %s%s",
                p.epoch(), p.epochs(), p.step(), p.stepsPerEpoch(), p.loss(), p.accuracy(), p.imagesPerSecond(),
                ProgressPrinter.duration(p.etaSeconds()), p.stabilisers() == null ? ""
                        : TrainProgress.stabilisers(Stabilisers.fromMap(p.stabilisers()))),
                !p.status().equals(TrainingProgress.RUNNING));
    }

    private static Map<String, RobustnessReportMessage> awaitReports(String bootstrap, List<String> checkpointIds) {
        Map<String, RobustnessReportMessage> reports = new HashMap<>();
        return TopicReader.await(bootstrap, List.of(Topics.REPORTS), RUN_TIMEOUT, record -> {
            RobustnessReportMessage report = Messages.parseRobustnessReport(record.value());
            if (checkpointIds.contains(report.checkpointId())) {
                reports.put(report.checkpointId(), report);
            }
            return reports.size() == checkpointIds.size() ? Optional.of(reports) : Optional.empty();
        });
    }

    private static String epsRef(RobustnessReport report) {
        return report.epsRef() == null ? "not reached" : String.format(Locale.ROOT, "%.4g", report.epsRef());
    }
}
