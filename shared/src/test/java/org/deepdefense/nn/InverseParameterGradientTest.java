package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The inverse network must stay differentiable in the parameters it shares with the forward layers: for fixed
 * switches, ⟨u, inputGradient(v)⟩ is linear in each weight (and constant in the biases), so its autograd gradient
 * must equal a central finite difference up to float rounding.
 */
class InverseParameterGradientTest {
    private static final int N = 2;

    static Stream<Arguments> layers() {
        SplittableRandom r = new SplittableRandom(3);
        return TestDevices.times(Stream.of(
                Arguments.of("conv stride 1", new Shape(N, 2, 6, 6),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 1, 1, false, m, r)),
                Arguments.of("conv stride 2", new Shape(N, 2, 7, 7),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 2, 1, false, m, r)),
                Arguments.of("residual", new Shape(N, 2, 7, 7),
                        (Function<NDManager, Layer>) m -> new Residual(java.util.List.of(
                                new Conv2d("a", 2, 3, 3, 2, 1, false, m, r), new BatchNorm("bn", 3, m)),
                                java.util.List.of(new Conv2d("s", 2, 3, 1, 2, 0, false, m, r))))));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("layers")
    void inverseParameterGradientMatchesFiniteDifferences(Device device, String name, Shape inputShape,
            Function<NDManager, Layer> factory) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            Layer layer = factory.apply(m);
            NDArray x = m.randomNormal(inputShape);
            Layer.Applied applied = layer.forward(x, Mode.EVAL);
            NDArray v = m.randomNormal(applied.output().getShape());
            NDArray u = m.randomNormal(inputShape);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(layer.forward(x, Mode.EVAL).inputGradient().apply(v).mul(u).sum());
            }
            double largest = 0;
            for (Parameter p : layer.parameters()) {
                if (!p.trainable()) {
                    continue;
                }
                float[] analytic = p.value().getGradient().toFloatArray();
                NDArray flat = p.value().reshape(-1);
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < analytic.length; i++) {
                    float original = flat.getFloat(i);
                    float h = 1e-2f;
                    flat.set(new NDIndex(i), original + h);
                    double plus = layer.forward(x, Mode.EVAL).inputGradient().apply(v).mul(u).sum().getFloat();
                    flat.set(new NDIndex(i), original - h);
                    double minus = layer.forward(x, Mode.EVAL).inputGradient().apply(v).mul(u).sum().getFloat();
                    flat.set(new NDIndex(i), original);
                    worst = Math.max(worst, Math.abs((plus - minus) / (2 * h) - analytic[i]));
                    scale = Math.max(scale, Math.abs(analytic[i]));
                }
                System.out.printf("%s %s: worst difference %.2e, largest derivative %.2e%n", name, p.name(), worst,
                        scale);
                // Biases do not enter the input gradient: both derivatives are then exactly zero.
                assertTrue(worst <= 1e-3 * Math.max(scale, 1), name + " " + p.name() + ": " + worst + " of " + scale);
                largest = Math.max(largest, scale);
            }
            assertTrue(largest > 0, name + ": no parameter reaches the input gradient, the check would be vacuous");
        }
    }
}
