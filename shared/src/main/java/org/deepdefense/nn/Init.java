package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/** Seeded parameter initialisation, generated in Java so that a seed gives the same network on every engine and device. */
final class Init {
    private Init() {}

    /** PyTorch's default for Linear and Conv2d: U(−1/√fan_in, 1/√fan_in) for weights and biases. */
    static NDArray uniformFanIn(NDManager manager, Shape shape, long fanIn, SplittableRandom random) {
        float bound = (float) (1.0 / Math.sqrt(fanIn));
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
        }
        return trainable(manager.create(values, shape));
    }

    static NDArray constant(NDManager manager, Shape shape, float value, boolean trainable) {
        NDArray array = manager.full(shape, value);
        return trainable ? trainable(array) : array;
    }

    private static NDArray trainable(NDArray array) {
        array.setRequiresGradient(true);
        return array;
    }
}
