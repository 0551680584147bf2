package org.deepdefense.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deepdefense.attack.DeepFool;

/**
 * Hyperparameters of a training run. The defaults are the paper's fine-tuning recipe: SGD with momentum 0.9,
 * learning rate 5e-4 halved in the last epoch ({@link LearningRateSchedule#LAST_EPOCH}; the official code's
 * {@link LearningRateSchedule#OFFICIAL_0_8} is the same for 5 epochs), weight decay 5e-4, batch 100, 5 epochs, λ=15, c=25, d=5, DeepFool
 * unrolled for 5 iterations with overshoot 0.02.
 *
 * @param parsevalBeta β of the Parseval retraction W ← (1+β)W − βWWᵀW (method parseval)
 * @param adversarialEpsilon FGS ε of fgs-adv, in the preprocessed input space (0-255 pixels minus the mean)
 * @param adversarialRatio weight of the adversarial examples' cross-entropy in fgs-adv and deepfool-adv; the clean
 *     batch has the rest
 */
public record TrainingConfig(
        Method method,
        int epochs,
        int batchSize,
        double learningRate,
        double momentum,
        double weightDecay,
        LearningRateSchedule learningRateSchedule,
        double lambda,
        double c,
        double d,
        int deepFoolIterations,
        double overshoot,
        long seed,
        double parsevalBeta,
        double adversarialEpsilon,
        double adversarialRatio) {

    public TrainingConfig {
        require(method != null, "method is required");
        require(learningRateSchedule != null, "learning-rate schedule is required");
        require(epochs >= 1, "epochs must be at least 1, got " + epochs);
        require(batchSize >= 1, "batch size must be at least 1, got " + batchSize);
        require(learningRate > 0 && Double.isFinite(learningRate), "learning rate must be positive, got " + learningRate);
        require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay must be non-negative, got " + weightDecay);
        require(lambda >= 0 && Double.isFinite(lambda), "lambda must be non-negative, got " + lambda);
        require(c > 0 && Double.isFinite(c), "c must be positive, got " + c);
        require(d >= 0 && Double.isFinite(d), "d must be non-negative, got " + d);
        require(deepFoolIterations >= 1, "DeepFool iterations must be at least 1, got " + deepFoolIterations);
        require(overshoot >= 0 && Double.isFinite(overshoot), "overshoot must be non-negative, got " + overshoot);
        require(parsevalBeta > 0 && parsevalBeta < 1, "Parseval beta must be in (0, 1), got " + parsevalBeta);
        require(adversarialEpsilon > 0 && Double.isFinite(adversarialEpsilon),
                "adversarial epsilon must be positive, got " + adversarialEpsilon);
        require(adversarialRatio >= 0 && adversarialRatio <= 1,
                "adversarial ratio must be in [0, 1], got " + adversarialRatio);
    }

    public static final double DEFAULT_PARSEVAL_BETA = 3e-4;
    /** FGS ε of fgs-adv: 8 of 255 grey levels, about half ε_ref of the Fashion-MNIST models. */
    public static final double DEFAULT_ADVERSARIAL_EPSILON = 8;
    /** Goodfellow et al.'s α = 0.5: clean and adversarial cross-entropy weigh the same. */
    public static final double DEFAULT_ADVERSARIAL_RATIO = 0.5;

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The paper's recipe for {@code method}; vanilla pre-training uses a larger learning rate. */
    public static TrainingConfig defaults(Method method) {
        // Inputs are raw 0-255 pixels minus the mean: plain training needs a smaller step than usual image scales.
        double lr = method == Method.VANILLA ? 1e-3 : 5e-4;
        return new TrainingConfig(method, 5, 100, lr, 0.9, 5e-4, LearningRateSchedule.LAST_EPOCH,
                DeepDefenseObjective.DEFAULT_LAMBDA, DeepDefenseObjective.DEFAULT_C, DeepDefenseObjective.DEFAULT_D,
                UnrolledDeepFool.DEFAULT_ITERATIONS, UnrolledDeepFool.DEFAULT_OVERSHOOT, 1, DEFAULT_PARSEVAL_BETA,
                DEFAULT_ADVERSARIAL_EPSILON, DEFAULT_ADVERSARIAL_RATIO);
    }

    public TrainingConfig withEpochs(int value) {
        return new TrainingConfig(method, value, batchSize, learningRate, momentum, weightDecay,
                learningRateSchedule, lambda, c, d, deepFoolIterations, overshoot, seed, parsevalBeta, adversarialEpsilon,
                adversarialRatio);
    }

    public TrainingConfig withMethod(Method value) {
        return new TrainingConfig(value, epochs, batchSize, learningRate, momentum, weightDecay,
                learningRateSchedule, lambda, c, d, deepFoolIterations, overshoot, seed, parsevalBeta,
                adversarialEpsilon, adversarialRatio);
    }

    public TrainingConfig withBatchSize(int value) {
        return new TrainingConfig(method, epochs, value, learningRate, momentum, weightDecay,
                learningRateSchedule, lambda, c, d, deepFoolIterations, overshoot, seed, parsevalBeta, adversarialEpsilon,
                adversarialRatio);
    }

    public TrainingConfig withLearningRate(double value) {
        return new TrainingConfig(method, epochs, batchSize, value, momentum, weightDecay,
                learningRateSchedule, lambda, c, d, deepFoolIterations, overshoot, seed, parsevalBeta, adversarialEpsilon,
                adversarialRatio);
    }

    public TrainingConfig withSeed(long value) {
        return new TrainingConfig(method, epochs, batchSize, learningRate, momentum, weightDecay,
                learningRateSchedule, lambda, c, d, deepFoolIterations, overshoot, value, parsevalBeta, adversarialEpsilon,
                adversarialRatio);
    }

    public TrainingConfig withLearningRateSchedule(LearningRateSchedule value) {
        return new TrainingConfig(method, epochs, batchSize, learningRate, momentum, weightDecay, value, lambda, c, d,
                deepFoolIterations, overshoot, seed, parsevalBeta, adversarialEpsilon, adversarialRatio);
    }

    /** The learning rate of a (0-based) epoch. */
    public double learningRate(int epoch) {
        return learningRateSchedule.rate(learningRate, epoch, epochs);
    }

    /** The objective this configuration trains. */
    public Objective objective() {
        return switch (method) {
            case VANILLA, PARSEVAL -> new CrossEntropyObjective();
            case DEEPDEFENSE -> new DeepDefenseObjective(lambda, c, d,
                    new UnrolledDeepFool(deepFoolIterations, overshoot));
            case FGS_ADV -> AdversarialTrainingObjective.fgs(adversarialEpsilon, adversarialRatio);
            case DEEPFOOL_ADV -> AdversarialTrainingObjective.deepFool(
                    new DeepFool(deepFoolIterations, overshoot), adversarialRatio);
        };
    }

    /** For checkpoint metadata and reports. */
    public Map<String, Object> toMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("method", method.id());
        map.put("epochs", epochs);
        map.put("batchSize", batchSize);
        map.put("learningRate", learningRate);
        map.put("momentum", momentum);
        map.put("weightDecay", weightDecay);
        map.put(LearningRateSchedule.KEY, learningRateSchedule.id());
        map.put("lambda", lambda);
        map.put("c", c);
        map.put("d", d);
        map.put("deepFoolIterations", deepFoolIterations);
        map.put("overshoot", overshoot);
        map.put("seed", seed);
        map.put("parsevalBeta", parsevalBeta);
        map.put("adversarialEpsilon", adversarialEpsilon);
        map.put("adversarialRatio", adversarialRatio);
        return map;
    }
}
