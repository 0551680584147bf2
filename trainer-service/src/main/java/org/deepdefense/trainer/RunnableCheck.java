package org.deepdefense.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.deepdefense.checkpoint.InvalidStoreKeyException;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.service.Retry;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What can be checked of a valid training request before it is queued: the engine can run it, it is within this
 * node's limits, its base checkpoint is in the store. The base checkpoint's checksum is verified when the run loads
 * it.
 */
@ApplicationScoped
class RunnableCheck {

    @Inject
    TrainingWorker worker;

    @ConfigProperty(name = "deepdefense.data.dir")
    Optional<Path> dataDir;

    @ConfigProperty(name = "deepdefense.image-folders.dir")
    Optional<Path> imageFolders;

    @ConfigProperty(name = "deepdefense.trainer.storage-retry-for")
    Duration storageRetryFor;

    @ConfigProperty(name = "deepdefense.trainer.max-training-images")
    long maxTrainingImages;

    @ConfigProperty(name = "deepdefense.trainer.max-unrolled-images")
    long maxUnrolledImages;

    void check(TrainingRequest request) throws RejectedRequestException {
        RunPlan.spec(request, dataDir.orElse(null), imageFolders.orElse(null));
        RunPlan.checkBounds(request, new RunPlan.Limits(maxTrainingImages, maxUnrolledImages));
        String base = request.baseCheckpoint();
        if (base == null) {
            return;
        }
        try {
            Retry.call("reading base checkpoint " + base, storageRetryFor, Retry.STORAGE, false,
                    () -> worker.store().readMetadata(base));
        } catch (NoSuchFileException e) {
            throw new RejectedRequestException("unknown base checkpoint '" + base + "': it is not in the store", e);
        } catch (InvalidStoreKeyException e) {
            throw new RejectedRequestException("base checkpoint: " + e.getMessage(), e);
        } catch (Exception e) {
            throw new RejectedRequestException("base checkpoint '" + base + "' is unreadable: " + e.getMessage(), e);
        }
    }
}
