package org.deepdefense.trainer;

import java.io.IOException;
import java.nio.file.Path;
import org.deepdefense.messages.Hyperparameters;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingJob;

/** Turns a validated {@link TrainingRequest} into the engine's {@link TrainingJob.Spec}. */
final class RunPlan {
    private RunPlan() {}

    /**
     * What one node accepts, beyond the message contract's per-field ranges, so that no request can hold the
     * worker for days or exhaust its memory.
     *
     * @param maxTrainingImages      epochs × training images (the subset, else the largest dataset's 60,000)
     * @param maxUnrolledImages      batch size × DeepFool iterations of a Deep Defense step: the unrolled graph
     *                               keeps that many input-sized activations of every layer alive at once
     */
    record Limits(long maxTrainingImages, long maxUnrolledImages) {}

    /** Refuses a request over the node's {@link Limits}, naming the product, the limit and its setting. */
    static void checkBounds(TrainingRequest request, Limits limits) throws RejectedRequestException {
        Hyperparameters h = request.hyperparameters();
        int images = request.trainSubset() != null ? request.trainSubset() : TrainingRequest.MAX_SUBSET;
        long trainingImages = (long) h.epochs() * images;
        if (trainingImages > limits.maxTrainingImages()) {
            throw new RejectedRequestException(String.format("too much training for one request: epochs × training"
                    + " images = %d × %d = %d, more than this trainer's limit of %d"
                    + " (deepdefense.trainer.max-training-images); use fewer epochs or a trainSubset",
                    h.epochs(), images, trainingImages, limits.maxTrainingImages()));
        }
        long unrolled = (long) h.batchSize() * h.deepFoolIterations();
        if (Method.parse(request.method()) == Method.DEEPDEFENSE && unrolled > limits.maxUnrolledImages()) {
            throw new RejectedRequestException(String.format("a Deep Defense step this large would exhaust memory:"
                    + " batchSize × deepFoolIterations = %d × %d = %d, more than this trainer's limit of %d"
                    + " (deepdefense.trainer.max-unrolled-images)", h.batchSize(), h.deepFoolIterations(),
                    unrolled, limits.maxUnrolledImages()));
        }
    }

    /**
     * @param dataDir the built-in datasets' directory (deepdefense.data.dir), or null for the usual places
     * @param imageFolders where an image folder's {@code datasetRoot} is resolved (deepdefense.image-folders.dir),
     *     or null
     * @throws RejectedRequestException for requests the message schema allows but the engine cannot run
     */
    static TrainingJob.Spec spec(TrainingRequest request, Path dataDir, Path imageFolders)
            throws RejectedRequestException {
        try {
            return TrainingJob.Spec.of(request, DataSource.directory(dataDir, imageFolders, request.datasetRoot()));
        } catch (IOException e) {
            throw new RejectedRequestException("dataset of " + request.runId() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            // A root named where this node has no directory of image folders (or the schema and the engine drifting
            // apart).
            throw new RejectedRequestException(e.getMessage(), e);
        }
    }
}
