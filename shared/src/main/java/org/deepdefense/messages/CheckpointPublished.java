package org.deepdefense.messages;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint the trainer wrote to the checkpoint store; keyed by {@code runId}. Consumers load it by
 * {@code storeKey} and verify {@code sha256} before use.
 *
 * @param finalCheckpoint true for the checkpoint of the last epoch
 * @param epoch           the epoch it was taken after; 0 for the starting point of a run
 * @param datasetRoot     the run's image folder, relative to a node's directory of image folders
 *                        ({@code imagefolder} only)
 * @param attacks         attacks the run asked for, copied from its request
 * @param metadata        free-form extra facts (hyperparameters, metrics); null means empty
 */
public record CheckpointPublished(
        int schemaVersion,
        String runId,
        String checkpointId,
        String storeKey,
        String sha256,
        boolean finalCheckpoint,
        int epoch,
        String architecture,
        String dataset,
        String datasetRoot,
        String method,
        List<String> attacks,
        Map<String, Object> metadata) implements Message {

    public CheckpointPublished {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        Check.storeKey("storeKey", storeKey);
        Check.sha256("sha256", sha256);
        Check.inRange("epoch", epoch, 0, Hyperparameters.MAX_EPOCHS);
        Check.oneOf("architecture", architecture, Messages.ARCHITECTURES);
        Check.oneOf("dataset", dataset, Messages.DATASETS);
        Check.datasetRoot(dataset, datasetRoot);
        Check.oneOf("method", method, Messages.METHODS);
        attacks = Check.distinctOf("attacks", attacks, Messages.ATTACKS);
        metadata = metadata != null ? Collections.unmodifiableMap(new LinkedHashMap<>(metadata)) : Map.of();
    }
}
