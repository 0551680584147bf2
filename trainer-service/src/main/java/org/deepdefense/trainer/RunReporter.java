package org.deepdefense.trainer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.TrainingProgress;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingJob;

/**
 * Publishes one run's progress and checkpoints and feeds its meters. Called on the worker thread only.
 * Progress goes out when the run starts, every {@code interval} while it trains, after each checkpoint and
 * once at the end.
 */
final class RunReporter implements TrainingJob.Events {
    private static final int MAX_MESSAGE = 8192;
    private static final int MAX_ID = 64;

    private final TrainingRequest request;
    private final Publisher publisher;
    private final TrainingMetrics metrics;
    private final Duration interval;
    private final BooleanSupplier stopping;
    private final String device;
    private final int epochs;
    private TrainingMetrics.Run meters;
    private int stepsPerEpoch;
    private int epoch;
    private int step;
    private double loss;
    private double accuracy;
    private double imagesPerSecond;
    private double etaSeconds;
    /** The stabiliser counts of the epoch in progress; null before the first step. */
    private java.util.Map<String, Long> stabilisers;
    private long lastSent;
    private long lastStep;
    private boolean finalPublished;

    RunReporter(TrainingRequest request, String device, Publisher publisher, TrainingMetrics metrics,
            Duration interval, BooleanSupplier stopping) {
        this.request = request;
        this.device = device;
        this.publisher = publisher;
        this.metrics = metrics;
        this.interval = interval;
        this.stopping = stopping;
        this.epochs = request.hyperparameters().epochs();
    }

    @Override
    public void started(String runDevice, int stepsPerEpoch, Trainer.Position from) {
        this.stepsPerEpoch = stepsPerEpoch;
        meters = metrics.startRun(request.runId(), request.architecture(), request.method(), runDevice);
        // A resumed run continues inside epoch from.epoch() + 1, or has just completed epoch from.epoch().
        if (from.step() > 0) {
            at(from.epoch() + 1, from.step());
        } else {
            at(from.epoch(), from.epoch() == 0 ? 0 : stepsPerEpoch);
        }
        lastStep = System.nanoTime();
        send(TrainingProgress.RUNNING, null);
    }

    @Override
    public boolean step(Trainer.StepReport report) {
        long now = System.nanoTime();
        meters.step(Duration.ofNanos(now - lastStep), report.loss(), report.accuracy(), report.imagesPerSecond());
        lastStep = now;
        at(report.epoch() + 1, report.step());
        loss = report.loss();
        accuracy = report.accuracy();
        imagesPerSecond = report.imagesPerSecond();
        etaSeconds = report.etaSeconds();
        stabilisers = report.firedThisEpoch().toMap();
        if (now - lastSent >= interval.toNanos()) {
            send(TrainingProgress.RUNNING, null);
        }
        return !stopping.getAsBoolean();
    }

    @Override
    public void checkpointSaved(String key, CheckpointMetadata metadata) {
        publish(key, metadata);
        if (!metadata.finalCheckpoint()) {
            meters.epochCompleted();
        }
        at(metadata.epoch(), stepsPerEpoch);
        send(TrainingProgress.RUNNING, null);
        // Saving is not a training step: keep it out of the next step's time.
        lastStep = System.nanoTime();
    }

    /** The run ended with its final checkpoint in the store. */
    void succeeded(TrainingJob.Saved saved) {
        // A run restored from the journal may have saved its final checkpoint just before the restart,
        // without publishing it: publish it now (consumers see a checkpoint at least once).
        if (!finalPublished) {
            publish(saved.key(), saved.metadata());
        }
        at(epochs, stepsPerEpoch);
        etaSeconds = 0;
        send(TrainingProgress.SUCCEEDED, null);
    }

    void failed(String reason) {
        String message = reason == null || reason.isBlank() ? "training failed" : reason;
        send(TrainingProgress.FAILED, message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE) : message);
    }

    private void at(int epoch, int step) {
        this.epoch = Math.min(epoch, epochs);
        this.step = Math.min(step, stepsPerEpoch);
    }

    private void send(String status, String message) {
        lastSent = System.nanoTime();
        publisher.progress(new TrainingProgress(Messages.SCHEMA_VERSION, request.runId(), epoch, epochs, step,
                stepsPerEpoch, loss, accuracy, imagesPerSecond, etaSeconds, stabilisers, device, status, message,
                Instant.now().toString()));
    }

    private void publish(String key, CheckpointMetadata meta) {
        Map<String, Object> extra = new LinkedHashMap<>();
        extra.put("epoch", meta.epoch());
        extra.put("method", request.method());
        extra.put("architecture", request.architecture());
        extra.put("dataset", request.dataset());
        if (request.testSubset() != null) {
            extra.put("testSubset", request.testSubset());
        }
        if (request.sweepId() != null) {
            extra.put("sweepId", request.sweepId());
        }
        extra.put("preprocessing", meta.preprocessing());
        extra.put("hyperparameters", meta.hyperparameters());
        extra.put("metrics", meta.metrics());
        extra.put("device", meta.device());
        extra.put("createdAt", meta.createdAt());
        if (meta.parentCheckpoint() != null) {
            extra.put("parentCheckpoint", meta.parentCheckpoint());
        }
        publisher.checkpoint(new CheckpointPublished(Messages.SCHEMA_VERSION, request.runId(), checkpointId(key),
                key, meta.sha256(), meta.finalCheckpoint(), meta.epoch(), request.architecture(), request.dataset(),
                request.datasetRoot(), request.method(), request.attacks(), extra), stopping);
        finalPublished |= meta.finalCheckpoint();
    }

    /**
     * {@code <runId>-<name>}, such as {@code run-7-epoch-0003}; a run id near the 64-character limit is cut and
     * given a hash of the full id, so that ids of different runs stay distinct.
     */
    static String checkpointId(String key) {
        int slash = key.indexOf('/');
        String runId = key.substring(0, slash);
        String suffix = "-" + key.substring(slash + 1).replace('/', '-');
        if (runId.length() + suffix.length() <= MAX_ID) {
            return runId + suffix;
        }
        // 48 bits of SHA-256, not String.hashCode: two long run ids sharing a prefix must not share an id.
        String hash = sha256Hex(runId).substring(0, 12);
        return runId.substring(0, MAX_ID - suffix.length() - hash.length() - 1) + "-" + hash + suffix;
    }

    private static String sha256Hex(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
