package org.deepdefense.messages;

import java.util.List;
import java.util.Map;

/**
 * The trainer's progress on one run; keyed by {@code runId}. Epochs count from 1; epoch 0 means the
 * first epoch has not started (for instance a run that failed while loading its data).
 *
 * @param stepsPerEpoch   0 while not yet known
 * @param accuracy        training accuracy so far in this epoch, in [0, 1]
 * @param stabilisers     how often each stabiliser fired in this epoch so far, by name
 *                        ({@link org.deepdefense.train.Stabilisers#names()}); null before the first step
 * @param device          where the run executes, such as {@code cpu()} or {@code gpu(0)}
 * @param status          {@code running}, {@code succeeded} or {@code failed}
 * @param message         optional detail; required when the run failed
 * @param timestamp       ISO-8601 instant
 */
public record TrainingProgress(
        int schemaVersion,
        String runId,
        int epoch,
        int epochs,
        int step,
        int stepsPerEpoch,
        double loss,
        double accuracy,
        double imagesPerSecond,
        double etaSeconds,
        Map<String, Long> stabilisers,
        String device,
        String status,
        String message,
        String timestamp) implements Message {

    public static final String RUNNING = "running";
    public static final String SUCCEEDED = "succeeded";
    public static final String FAILED = "failed";
    public static final List<String> STATUSES = List.of(RUNNING, SUCCEEDED, FAILED);
    /** The longest {@code device} a record may carry (what a run's checkpoint metadata records too). */
    public static final int MAX_DEVICE_LENGTH = 64;
    private static final List<String> STABILISERS = List.copyOf(org.deepdefense.train.Stabilisers.names());

    public TrainingProgress {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.inRange("epochs", epochs, 1, Hyperparameters.MAX_EPOCHS);
        Check.inRange("epoch", epoch, 0, epochs);
        Check.atLeast("stepsPerEpoch", stepsPerEpoch, 0);
        Check.inRange("step", step, 0, stepsPerEpoch);
        Check.inRange("loss", loss, "[0, inf)");
        Check.inRange("accuracy", accuracy, "[0, 1]");
        Check.inRange("imagesPerSecond", imagesPerSecond, "[0, inf)");
        Check.inRange("etaSeconds", etaSeconds, "[0, inf)");
        if (stabilisers != null) {
            stabilisers = Map.copyOf(stabilisers);
            for (Map.Entry<String, Long> count : stabilisers.entrySet()) {
                Check.oneOf("stabilisers key", count.getKey(), STABILISERS);
                Check.atLeast("stabilisers." + count.getKey(), Check.required("stabilisers." + count.getKey(),
                        count.getValue()), 0);
            }
        }
        Check.text("device", device, MAX_DEVICE_LENGTH);
        Check.oneOf("status", status, STATUSES);
        if (message != null || status.equals(FAILED)) {
            Check.text("message", message, 8192);
        }
        Check.timestamp("timestamp", timestamp);
    }
}
