package org.deepdefense.messages;

import java.util.List;

/**
 * Asks the trainer for one training run; keyed by {@code runId}.
 *
 * @param datasetRoot          for {@code imagefolder} (and only then): the folder holding {@code train/} and
 *                             {@code val/}, relative to the trainer's data directory, with the store-key rules
 * @param baseCheckpoint       store key of the checkpoint to fine-tune from, or null to start from scratch
 * @param baseCheckpointSha256 checksum of that checkpoint; required exactly when {@code baseCheckpoint} is set
 * @param hyperparameters      null means {@link Hyperparameters#DEFAULTS}
 * @param attacks              attacks to run on the published checkpoints; null means {@link #DEFAULT_ATTACKS}
 * @param trainSubset          use only the first n training images, or null for all
 * @param testSubset           evaluate on only the first n test images, or null for all
 * @param sweepId              the {@link SweepRequest} this run is a point of, or null
 */
public record TrainingRequest(
        int schemaVersion,
        String runId,
        String dataset,
        String datasetRoot,
        String architecture,
        String method,
        String baseCheckpoint,
        String baseCheckpointSha256,
        Hyperparameters hyperparameters,
        long seed,
        List<String> attacks,
        Integer trainSubset,
        Integer testSubset,
        String sweepId) implements Message {

    /** The paper's evaluation: ρ₂ from DeepFool and accuracy under FGS. */
    public static final List<String> DEFAULT_ATTACKS = List.of("standard");
    public static final int MAX_SUBSET = 60_000;
    /** The dataset that lives where {@code datasetRoot} says. */
    public static final String IMAGEFOLDER = "imagefolder";

    public TrainingRequest {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.oneOf("dataset", dataset, Messages.DATASETS);
        Check.datasetRoot(dataset, datasetRoot);
        Check.oneOf("architecture", architecture, Messages.ARCHITECTURES);
        Check.oneOf("method", method, Messages.METHODS);
        Check.baseCheckpoint(baseCheckpoint, baseCheckpointSha256);
        hyperparameters = hyperparameters != null ? hyperparameters : Hyperparameters.DEFAULTS;
        attacks = attacks != null ? Check.distinctOf("attacks", attacks, Messages.ATTACKS) : DEFAULT_ATTACKS;
        Check.subset("trainSubset", trainSubset);
        Check.subset("testSubset", testSubset);
        if (sweepId != null) {
            Check.id("sweepId", sweepId);
        }
    }
}
