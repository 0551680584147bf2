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

    /**
     * @throws RejectedRequestException for requests the message schema allows but the engine cannot run yet,
     *                                  such as the baseline methods parseval, fgs-adv and deepfool-adv
     */
    static TrainingJob.Spec spec(TrainingRequest request, Path dataDir) throws RejectedRequestException {
        Method method;
        try {
            method = Method.parse(request.method());
        } catch (IllegalArgumentException e) {
            throw new RejectedRequestException("method '" + request.method()
                    + "' is not supported by the training engine yet: " + e.getMessage(), e);
        }
        Hyperparameters h = request.hyperparameters();
        try {
            TrainingConfig config = new TrainingConfig(method, h.epochs(), h.batchSize(), h.learningRate(),
                    h.momentum(), h.weightDecay(), h.halveLrLastEpoch(), h.lambda(), h.c(), h.d(),
                    h.deepFoolIterations(), h.overshoot(), request.seed());
            return new TrainingJob.Spec(request.runId(), DatasetName.parse(request.dataset()), dataDir,
                    Architecture.parse(request.architecture()), config, request.baseCheckpoint(),
                    request.baseCheckpointSha256(), request.trainSubset());
        } catch (IllegalArgumentException e) {
            // The message schema and the engine agree today; this guards against the two drifting apart.
            throw new RejectedRequestException(e.getMessage(), e);
        }
    }
}
