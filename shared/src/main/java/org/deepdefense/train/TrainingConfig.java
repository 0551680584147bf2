package org.deepdefense.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Hyperparameters of a training run. The defaults are the paper's fine-tuning recipe: SGD with momentum 0.9,
 * learning rate 5e-4 halved in the last epoch, weight decay 5e-4, batch 100, 5 epochs, λ=15, c=25, d=5, DeepFool
 * unrolled for 5 iterations with overshoot 0.02.
 */
public record TrainingConfig(
        Method method,
        int epochs,
        int batchSize,
        double learningRate,
        double momentum,
        double weightDecay,
        boolean halveLearningRateInLastEpoch,
        double lambda,
        double c,
        double d,
        int deepFoolIterations,
        double overshoot,
        long seed) {

    public TrainingConfig {
        require(method != null, "method is required");
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
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /** The paper's recipe for {@code method}; vanilla pre-training uses a larger learning rate. */
    public static TrainingConfig defaults(Method method) {
        // Inputs are raw 0-255 pixels minus the mean: plain training needs a smaller step than usual image scales.
        double lr = method == Method.VANILLA ? 1e-3 : 5e-4;
        return new TrainingConfig(method, 5, 100, lr, 0.9, 5e-4, true,
                DeepDefenseObjective.DEFAULT_LAMBDA, DeepDefenseObjective.DEFAULT_C, DeepDefenseObjective.DEFAULT_D,
                UnrolledDeepFool.DEFAULT_ITERATIONS, UnrolledDeepFool.DEFAULT_OVERSHOOT, 1);
    }

    public TrainingConfig withEpochs(int value) {
        return new TrainingConfig(method, value, batchSize, learningRate, momentum, weightDecay,
                halveLearningRateInLastEpoch, lambda, c, d, deepFoolIterations, overshoot, seed);
    }

    public TrainingConfig withLearningRate(double value) {
        return new TrainingConfig(method, epochs, batchSize, value, momentum, weightDecay,
                halveLearningRateInLastEpoch, lambda, c, d, deepFoolIterations, overshoot, seed);
    }

    public TrainingConfig withSeed(long value) {
        return new TrainingConfig(method, epochs, batchSize, learningRate, momentum, weightDecay,
                halveLearningRateInLastEpoch, lambda, c, d, deepFoolIterations, overshoot, value);
    }

    /** The learning rate of a (0-based) epoch. */
    public double learningRate(int epoch) {
        return halveLearningRateInLastEpoch && epochs > 1 && epoch == epochs - 1 ? learningRate / 2 : learningRate;
    }

    /** The objective this configuration trains. */
    public Objective objective() {
        return switch (method) {
            case VANILLA -> new CrossEntropyObjective();
            case DEEPDEFENSE -> new DeepDefenseObjective(lambda, c, d,
                    new UnrolledDeepFool(deepFoolIterations, overshoot));
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
        map.put("halveLearningRateInLastEpoch", halveLearningRateInLastEpoch);
        map.put("lambda", lambda);
        map.put("c", c);
        map.put("d", d);
        map.put("deepFoolIterations", deepFoolIterations);
        map.put("overshoot", overshoot);
        map.put("seed", seed);
        return map;
    }
}
