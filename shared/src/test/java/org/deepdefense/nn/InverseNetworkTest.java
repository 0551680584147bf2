package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every layer's and every architecture's input gradient equals DJL's first-order autograd (relative error ≤ 1e-4). */
class InverseNetworkTest {
    private static final int N = 3;
    private static final int REPLICAS = 2;
    static Stream<Arguments> layers() {
        SplittableRandom r = new SplittableRandom(7);
        return TestDevices.times(Stream.of(
                Arguments.of("linear", new Shape(N, 6), (Function<NDManager, Layer>) m -> new Linear("fc", 6, 4, m, r)),
                Arguments.of("conv 5x5 pad 2", new Shape(N, 2, 8, 8),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 5, 2, m, r)),
                Arguments.of("conv 3x3 no pad", new Shape(N, 2, 6, 6),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 0, m, r)),
                Arguments.of("relu", new Shape(N, 5, 4), (Function<NDManager, Layer>) m -> new Relu()),
                Arguments.of("maxpool", new Shape(N, 2, 6, 4), (Function<NDManager, Layer>) m -> new MaxPool2d(2)),
                Arguments.of("avgpool", new Shape(N, 2, 6, 4), (Function<NDManager, Layer>) m -> new AvgPool2d(2)),
                Arguments.of("flatten", new Shape(N, 2, 3, 3), (Function<NDManager, Layer>) m -> new Flatten()),
                Arguments.of("batchnorm 1d", new Shape(N, 5), (Function<NDManager, Layer>) m -> trainedBatchNorm(m, 5, 2)),
                Arguments.of("batchnorm 2d", new Shape(N, 3, 4, 4),
                        (Function<NDManager, Layer>) m -> trainedBatchNorm(m, 3, 4))));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("layers")
    void layerInputGradientMatchesAutograd(Device device, String name, Shape inputShape,
            Function<NDManager, Layer> factory) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch")) {
            Layer layer = factory.apply(m);
            NDArray x = m.randomNormal(inputShape);
            NDArray out = layer.forward(x, Mode.EVAL).output();
            NDArray seeds = m.randomNormal(new Shape((long) REPLICAS * N).addAll(out.getShape().slice(1)));
            NDArray inverse = layer.forward(x, Mode.EVAL).inputGradient().apply(seeds);
            assertEquals(new Shape((long) REPLICAS * N).addAll(inputShape.slice(1)), inverse.getShape());
            for (int r = 0; r < REPLICAS; r++) {
                NDArray v = seeds.get(r * N + ":" + (r + 1) * N);
                NDArray expected = autogradInputGradient(x, v, xi -> layer.forward(xi, Mode.EVAL).output());
                assertClose(expected, inverse.get(r * N + ":" + (r + 1) * N), name);
            }
        }
    }

    static Stream<Arguments> architectures() {
        return TestDevices.times(Stream.of(
                Arguments.of(Architecture.MLP, new Shape(1, 28, 28)),
                Arguments.of(Architecture.MLP_BN, new Shape(1, 28, 28)),
                Arguments.of(Architecture.LENET, new Shape(1, 28, 28)),
                Arguments.of(Architecture.CONVNET, new Shape(3, 32, 32)),
                Arguments.of(Architecture.NIN, new Shape(3, 32, 32))));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("architectures")
    void networkInputGradientMatchesAutograd(Device device, Architecture architecture, Shape sample) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch");
                Network net = Network.create(architecture, (int) sample.get(0), (int) sample.get(1),
                        (int) sample.get(2), 10, 11, m)) {
            NDArray x = m.randomNormal(0, 50, new Shape(N).addAll(sample), ai.djl.ndarray.types.DataType.FLOAT32);
            if (architecture == Architecture.MLP_BN) {
                net.forward(m.randomNormal(0, 50, new Shape(16).addAll(sample), ai.djl.ndarray.types.DataType.FLOAT32),
                        Mode.TRAIN);
            }
            ForwardPass pass = net.forward(x, Mode.EVAL);
            NDArray seeds = m.randomNormal(new Shape((long) REPLICAS * N, 10));
            NDArray inverse = pass.inputGradient(seeds);
            for (int r = 0; r < REPLICAS; r++) {
                NDArray v = seeds.get(r * N + ":" + (r + 1) * N);
                NDArray expected = autogradInputGradient(x, v, xi -> net.forward(xi, Mode.EVAL).logits());
                assertClose(expected, inverse.get(r * N + ":" + (r + 1) * N), architecture.id());
            }
        }
    }

    private static BatchNorm trainedBatchNorm(NDManager m, int features, int spatial) {
        BatchNorm bn = new BatchNorm("bn", features, m);
        Shape batch = spatial == 2 ? new Shape(8, features) : new Shape(8, features, spatial, spatial);
        bn.forward(m.randomNormal(1, 3, batch, ai.djl.ndarray.types.DataType.FLOAT32), Mode.TRAIN);
        return bn;
    }

    /** vᵀ·∂f(x)/∂x by DJL's ordinary (first-order) autograd. */
    static NDArray autogradInputGradient(NDArray x, NDArray v, Function<NDArray, NDArray> f) {
        NDArray xi = x.duplicate();
        xi.setRequiresGradient(true);
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(f.apply(xi).mul(v).sum());
        }
        return xi.getGradient();
    }

    static void assertClose(NDArray expected, NDArray actual, String what) {
        assertEquals(expected.getShape(), actual.getShape(), what + ": shape");
        double error = expected.sub(actual).norm().getFloat();
        double scale = expected.norm().getFloat();
        assertTrue(scale > 0, what + ": gradient is identically zero, the check would be vacuous");
        assertTrue(error / scale <= 1e-4, what + ": relative error " + error / scale);
    }
}
