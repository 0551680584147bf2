package org.deepdefense.messages;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Training hyperparameters. Fields left out of the JSON (or given as null) take the paper's
 * fine-tuning recipe, {@link #DEFAULTS}.
 *
 * @param lambda             weight λ of the Deep Defense regulariser
 * @param c                  scale of exp(−c·r) for correctly classified samples
 * @param d                  scale of exp(d·r) for misclassified samples
 * @param deepFoolIterations DeepFool iterations unrolled at training time
 * @param overshoot          DeepFool overshoot: the perturbation is (1 + overshoot)·Σr
 * @param lrSchedule         learning-rate schedule, one of {@link Messages#LR_SCHEDULES}: {@code last-epoch} halves
 *                           the rate in the last epoch, {@code official-0.8} at epoch 0.8·epochs as the official
 *                           code, {@code constant} never
 * @param parsevalBeta       β of the Parseval retraction (method parseval)
 * @param adversarialEpsilon FGS ε of fgs-adv, in the preprocessed input space (0-255 pixels minus the mean)
 * @param adversarialRatio   weight of the adversarial cross-entropy in fgs-adv and deepfool-adv
 */
public record Hyperparameters(
        int epochs,
        int batchSize,
        double learningRate,
        double momentum,
        double weightDecay,
        double lambda,
        double c,
        double d,
        int deepFoolIterations,
        double overshoot,
        String lrSchedule,
        double parsevalBeta,
        double adversarialEpsilon,
        double adversarialRatio) {

    public static final int MAX_EPOCHS = 200;
    public static final Hyperparameters DEFAULTS =
            new Hyperparameters(5, 100, 5e-4, 0.9, 5e-4, 15, 25, 5, 5, 0.02, "last-epoch", 3e-4, 8, 0.5);

    public Hyperparameters {
        Check.inRange("epochs", epochs, 1, MAX_EPOCHS);
        Check.inRange("batchSize", batchSize, 1, 1024);
        Check.inRange("learningRate", learningRate, "(0, 1]");
        Check.inRange("momentum", momentum, "[0, 1)");
        Check.inRange("weightDecay", weightDecay, "[0, 0.1]");
        Check.inRange("lambda", lambda, "[0, 1000]");
        Check.inRange("c", c, "(0, 1000]");
        Check.inRange("d", d, "[0, 1000]");
        Check.inRange("deepFoolIterations", deepFoolIterations, 1, 50);
        Check.inRange("overshoot", overshoot, "[0, 1]");
        Check.oneOf("lrSchedule", lrSchedule, Messages.LR_SCHEDULES);
        Check.inRange("parsevalBeta", parsevalBeta, "(0, 0.1]");
        Check.inRange("adversarialEpsilon", adversarialEpsilon, "(0, 255]");
        Check.inRange("adversarialRatio", adversarialRatio, "[0, 1]");
    }

    @JsonCreator
    static Hyperparameters fromJson(
            @JsonProperty("epochs") Integer epochs,
            @JsonProperty("batchSize") Integer batchSize,
            @JsonProperty("learningRate") Double learningRate,
            @JsonProperty("momentum") Double momentum,
            @JsonProperty("weightDecay") Double weightDecay,
            @JsonProperty("lambda") Double lambda,
            @JsonProperty("c") Double c,
            @JsonProperty("d") Double d,
            @JsonProperty("deepFoolIterations") Integer deepFoolIterations,
            @JsonProperty("overshoot") Double overshoot,
            @JsonProperty("lrSchedule") String lrSchedule,
            @JsonProperty("parsevalBeta") Double parsevalBeta,
            @JsonProperty("adversarialEpsilon") Double adversarialEpsilon,
            @JsonProperty("adversarialRatio") Double adversarialRatio) {
        Hyperparameters defaults = DEFAULTS;
        return new Hyperparameters(
                epochs != null ? epochs : defaults.epochs,
                batchSize != null ? batchSize : defaults.batchSize,
                learningRate != null ? learningRate : defaults.learningRate,
                momentum != null ? momentum : defaults.momentum,
                weightDecay != null ? weightDecay : defaults.weightDecay,
                lambda != null ? lambda : defaults.lambda,
                c != null ? c : defaults.c,
                d != null ? d : defaults.d,
                deepFoolIterations != null ? deepFoolIterations : defaults.deepFoolIterations,
                overshoot != null ? overshoot : defaults.overshoot,
                lrSchedule != null ? lrSchedule : defaults.lrSchedule,
                parsevalBeta != null ? parsevalBeta : defaults.parsevalBeta,
                adversarialEpsilon != null ? adversarialEpsilon : defaults.adversarialEpsilon,
                adversarialRatio != null ? adversarialRatio : defaults.adversarialRatio);
    }
}
