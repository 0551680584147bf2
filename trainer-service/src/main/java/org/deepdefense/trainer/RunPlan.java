package org.deepdefense.trainer;

import java.nio.file.Path;
import org.deepdefense.data.DatasetName;
import org.deepdefense.messages.Hyperparameters;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;

/** Turns a validated {@link TrainingRequest} into the engine's {@link TrainingJob.Spec}. */
final class RunPlan {
    private RunPlan() {}

    /** @throws RejectedRequestException for requests the message schema allows but the engine cannot run */
    static TrainingJob.Spec spec(TrainingRequest request, Path dataDir) throws RejectedRequestException {
        Hyperparameters h = request.hyperparameters();
        try {
            TrainingConfig config = new TrainingConfig(Method.parse(request.method()), h.epochs(), h.batchSize(),
                    h.learningRate(), h.momentum(), h.weightDecay(), h.halveLrLastEpoch(), h.lambda(), h.c(), h.d(),
                    h.deepFoolIterations(), h.overshoot(), request.seed(), h.parsevalBeta(), h.adversarialEpsilon(),
                    h.adversarialRatio());
            return new TrainingJob.Spec(request.runId(), DatasetName.parse(request.dataset()), dataDir,
                    Architecture.parse(request.architecture()), config, request.baseCheckpoint(),
                    request.baseCheckpointSha256(), request.trainSubset());
        } catch (IllegalArgumentException e) {
            // The message schema and the engine agree today; this guards against the two drifting apart.
            throw new RejectedRequestException(e.getMessage(), e);
        }
    }
}
