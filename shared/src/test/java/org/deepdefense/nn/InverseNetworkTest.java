package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import org.junit.jupiter.params.provider.EnumSource;
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
                Arguments.of("conv 5x5, one input channel (matrix product and fold)", new Shape(N, 1, 9, 9),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 1, 3, 5, 0, m, r)),
                Arguments.of("conv 3x3 stride 2 pad 1, one input channel, odd input", new Shape(N, 1, 7, 9),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 1, 3, 3, 2, 1, true, m, r)),
                Arguments.of("conv 3x3 no pad", new Shape(N, 2, 6, 6),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 0, m, r)),
                Arguments.of("conv 3x3 stride 2 pad 1, even input", new Shape(N, 2, 8, 8),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 2, 1, false, m, r)),
                Arguments.of("conv 3x3 stride 2 pad 1, odd input", new Shape(N, 2, 7, 9),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 2, 3, 3, 2, 1, true, m, r)),
                Arguments.of("conv 1x1 stride 2, odd input", new Shape(N, 3, 7, 7),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 3, 4, 1, 2, 0, false, m, r)),
                Arguments.of("conv 7x7 stride 2 pad 3", new Shape(N, 3, 16, 15),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 3, 4, 7, 2, 3, false, m, r)),
                Arguments.of("conv 11x11 stride 4 pad 2", new Shape(N, 3, 31, 30),
                        (Function<NDManager, Layer>) m -> new Conv2d("conv", 3, 2, 11, 4, 2, true, m, r)),
                Arguments.of("maxpool 3x3 stride 2 pad 1", new Shape(N, 2, 9, 8),
                        (Function<NDManager, Layer>) m -> new StridedMaxPool2d(3, 2, 1)),
                Arguments.of("maxpool 3x3 stride 2", new Shape(N, 2, 13, 13),
                        (Function<NDManager, Layer>) m -> new StridedMaxPool2d(3, 2, 0)),
                Arguments.of("global avgpool", new Shape(N, 3, 5, 4),
                        (Function<NDManager, Layer>) m -> new GlobalAvgPool2d()),
                Arguments.of("residual, identity shortcut", new Shape(N, 3, 6, 6),
                        (Function<NDManager, Layer>) m -> new Residual(java.util.List.of(
                                new Conv2d("a", 3, 3, 3, 1, 1, false, m, r), trainedBatchNorm(m, 3, 4), new Relu(),
                                new Conv2d("b", 3, 3, 3, 1, 1, false, m, r)), java.util.List.of())),
                Arguments.of("residual, projection shortcut", new Shape(N, 2, 7, 7),
                        (Function<NDManager, Layer>) m -> new Residual(java.util.List.of(
                                new Conv2d("a", 2, 4, 3, 2, 1, false, m, r), new Relu(),
                                new Conv2d("b", 4, 4, 3, 1, 1, false, m, r)), java.util.List.of(
                                new Conv2d("s", 2, 4, 1, 2, 0, false, m, r), trainedBatchNorm(m, 4, 4)))),
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

    /** Architecture, sample shape, batch size: one 224×224 image is what 2 CPU cores check in seconds. */
    static Stream<Arguments> architectures() {
        return TestDevices.times(Stream.of(
                Arguments.of(Architecture.MLP, new Shape(1, 28, 28), N),
                Arguments.of(Architecture.MLP_BN, new Shape(1, 28, 28), N),
                Arguments.of(Architecture.LENET, new Shape(1, 28, 28), N),
                Arguments.of(Architecture.CONVNET, new Shape(3, 32, 32), N),
                Arguments.of(Architecture.NIN, new Shape(3, 32, 32), N),
                Arguments.of(Architecture.RESNET18_CIFAR, new Shape(3, 32, 32), 2),
                Arguments.of(Architecture.RESNET18, new Shape(3, 224, 224), 1),
                Arguments.of(Architecture.ALEXNET, new Shape(3, 224, 224), 1)));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("architectures")
    void networkInputGradientMatchesAutograd(Device device, Architecture architecture, Shape sample, int n) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch");
                Network net = Network.create(architecture, (int) sample.get(0), (int) sample.get(1),
                        (int) sample.get(2), 10, 11, m)) {
            NDArray x = m.randomNormal(0, 50, new Shape(n).addAll(sample), ai.djl.ndarray.types.DataType.FLOAT32);
            if (net.parameters().stream().anyMatch(p -> !p.trainable())) {
                // BatchNorm: running statistics other than the initial (0, 1), so that the frozen scale is tested.
                net.forward(m.randomNormal(0, 50, new Shape(8).addAll(sample), ai.djl.ndarray.types.DataType.FLOAT32),
                        Mode.TRAIN);
            }
            ForwardPass pass = net.forward(x, Mode.EVAL);
            NDArray seeds = m.randomNormal(new Shape((long) REPLICAS * n, 10));
            NDArray inverse = pass.inputGradient(seeds);
            for (int r = 0; r < REPLICAS; r++) {
                NDArray v = seeds.get(r * n + ":" + (r + 1) * n);
                NDArray expected = autogradInputGradient(x, v, xi -> net.forward(xi, Mode.EVAL).logits());
                assertClose(expected, inverse.get(r * n + ":" + (r + 1) * n), architecture.id());
            }
        }
    }

    /** A pass restricted to some rows is the whole pass's rows, logits and inverse alike; TRAIN passes refuse. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Architecture.class, names = {"MLP_BN", "LENET"})
    void restrictedPassHasTheRowsOfTheWholePass(Architecture architecture) {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(architecture, 1, 28, 28, 10, 11, m)) {
            net.forward(m.randomNormal(0, 50, new Shape(8, 1, 28, 28), ai.djl.ndarray.types.DataType.FLOAT32),
                    Mode.TRAIN);
            NDArray x = m.randomNormal(0, 50, new Shape(4, 1, 28, 28), ai.djl.ndarray.types.DataType.FLOAT32);
            ForwardPass whole = net.forward(x, Mode.EVAL);
            int[] rows = {3, 1};
            ForwardPass part = whole.restrictedTo(rows).orElseThrow();
            NDArray picked = m.create(new long[] {3, 1});
            assertClose(whole.logits().get(new NDIndex("{}", picked)), part.logits(),
                    architecture.id() + " logits");
            NDArray seeds = m.randomNormal(new Shape(REPLICAS * 4L, 10));
            NDArray wholeInverse = whole.inputGradient(seeds).reshape(REPLICAS, 4, -1);
            NDArray partSeeds = seeds.reshape(REPLICAS, 4, 10).get(new NDIndex(":, {}", picked))
                    .reshape(REPLICAS * 2L, 10);
            assertClose(wholeInverse.get(new NDIndex(":, {}", picked)).reshape(REPLICAS * 2L,
                    1, 28, 28), part.inputGradient(partSeeds), architecture.id() + " input gradient");
            assertTrue(net.forward(x, Mode.TRAIN).restrictedTo(rows).isEmpty(), "a TRAIN pass depends on its batch");
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
        System.out.printf("%s: relative error %.2e%n", what, error / scale);
        assertTrue(error / scale <= 1e-4, what + ": relative error " + error / scale);
    }
}
