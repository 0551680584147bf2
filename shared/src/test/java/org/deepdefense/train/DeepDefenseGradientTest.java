package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;
import org.deepdefense.nn.Parameter;
import org.deepdefense.nn.SmallNetworks;
import org.deepdefense.nn.TestDevices;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The regulariser, differentiated through the unrolled DeepFool, against central finite differences. */
class DeepDefenseGradientTest {
    private static final int B = 12;
    private static final int K = 10;

    /**
     * The MLP, and a residual network with every ResNet ingredient (a stride-2 convolution, a projection and an
     * identity shortcut, frozen BatchNorm with running statistics that are not the identity, global average
     * pooling) on 3×8×8 inputs, all inside the unrolled DeepFool. The regulariser jumps where a step crosses a ReLU
     * kink (the input gradient changes there) or flips a DeepFool decision; a residual network has many kinks
     * near any point, so it takes smaller steps, and the tolerance allows the float32 rounding of the two values
     * differenced.
     */
    static Stream<Arguments> networks() {
        return TestDevices.times(Stream.of(
                Arguments.of("mlp", 3, 8, new float[] {3e-4f, 1e-4f, 3e-5f}),
                Arguments.of("residual", 2, 16, new float[] {1e-4f, 3e-5f, 1e-5f})));
    }

    @ParameterizedTest(name = "{1} on {0}")
    @MethodSource("networks")
    void regularizerGradientMatchesFiniteDifferences(Device device, String network, int entriesPerTensor,
            int minimumChecked, float[] steps) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch");
                Network net = network.equals("mlp") ? Network.create(Architecture.MLP, 1, 6, 6, K, 21, m)
                        : withRunningStatistics(SmallNetworks.tinyResNet(4, 3, 8, K, 21, m))) {
            NDArray x = gaussian(m, new Shape(B).addAll(net.inputShape()), 40, 1);
            int[] labels = halfCorrectLabels(net, x);
            DeepDefenseObjective objective = new DeepDefenseObjective(1, 5, 1, new UnrolledDeepFool(5, 0.02));

            double value;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray regularizer = regularizer(objective, net, x, labels);
                value = regularizer.getFloat();
                collector.backward(regularizer);
            }
            List<Parameter> trainable = net.parameters().stream().filter(Parameter::trainable).toList();
            double scale = 0;
            for (Parameter p : trainable) {
                scale = Math.max(scale, maxAbs(p.value().getGradient().toFloatArray()));
            }
            int checked = 0;
            for (Parameter p : trainable) {
                float[] analytic = p.value().getGradient().toFloatArray();
                // The largest entries of each tensor: a wrong gradient shows there first, and they stand far
                // enough above float32 rounding for a finite difference to resolve them.
                for (int index : largest(analytic, entriesPerTensor)) {
                    if (Math.abs(analytic[index]) < 1e-2 * scale) {
                        continue;
                    }
                    // A step may cross a ReLU kink or flip a DeepFool decision, and a tiny one drowns in float32
                    // rounding: the step that agrees best must agree within the rounding it allows.
                    // Each candidate carries the float32 rounding it allows: 2 ulps of the regulariser over its span.
                    double closest = Double.NaN;
                    double rounding = Double.NaN;
                    float previousStep = Float.NaN;
                    double previous = Double.NaN;
                    for (float h : steps) {
                        double numeric = centralDifference(objective, net, x, labels, p, index, h);
                        // A jump J within h of the point adds J/(2h) to a central difference; two steps cancel it.
                        double jumpFree = (previousStep * previous - h * numeric) / (previousStep - h);
                        double[][] candidates = {{numeric, 2 * h}, {jumpFree, previousStep - h}};
                        for (double[] candidate : candidates) {
                            if (Double.isFinite(candidate[0])
                                    && !(Math.abs(closest - analytic[index]) <= Math.abs(candidate[0] - analytic[index]))) {
                                closest = candidate[0];
                                rounding = 2 * Math.ulp((float) value) / candidate[1];
                            }
                        }
                        previousStep = h;
                        previous = numeric;
                    }
                    double tolerance = 3e-2 * Math.abs(analytic[index]) + 3e-4 * scale + rounding;
                    if (tolerance > 0.5 * Math.abs(analytic[index])) {
                        continue; // rounding at that step could not tell this derivative from zero: not a check
                    }
                    assertEquals(closest, analytic[index], tolerance, p.name() + "[" + index + "]");
                    checked++;
                }
            }
            System.out.println(network + ": " + checked + " derivatives compared, regulariser " + value);
            assertTrue(checked >= minimumChecked, "enough derivatives were compared: " + checked);
        }
    }

    @Test
    void unrolledPerturbationOfCorrectSamplesEqualsEvaluationDeepFoolWithTheSameCap() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.LENET, 1, 28, 28, K, 8, m)) {
            NDArray x = gaussian(m, new Shape(B, 1, 28, 28), 40, 2);
            int[] labels = halfCorrectLabels(net, x);
            ForwardPass first = net.forward(x, Mode.EVAL);
            UnrolledDeepFool.Perturbation unrolled = new UnrolledDeepFool(5, 0.02).perturb(net, x, first, labels);
            DeepFool.Result evaluation = new DeepFool(5, 0.02).attack(net, x);
            float[] ratio = unrolled.ratio().toFloatArray();
            int compared = 0;
            for (int i = 0; i < B; i++) {
                if (unrolled.correct()[i]) {
                    assertEquals(evaluation.ratios()[i], ratio[i], 1e-3 * ratio[i], "sample " + i);
                    assertEquals(evaluation.iterations()[i], unrolled.iterations()[i], "sample " + i);
                    compared++;
                }
            }
            assertEquals(B / 2, compared);
        }
    }

    /** Seeded running means and variances, so that frozen BatchNorm shifts and scales rather than passing through. */
    private static Network withRunningStatistics(Network net) {
        java.util.Random random = new java.util.Random(3);
        for (Parameter p : net.parameters()) {
            if (!p.trainable()) {
                float[] values = new float[Math.toIntExact(p.value().size())];
                boolean variance = p.name().endsWith("running_var");
                for (int i = 0; i < values.length; i++) {
                    values[i] = variance ? 0.5f + random.nextFloat() : 0.2f * (float) random.nextGaussian();
                }
                p.value().set(values);
            }
        }
        return net;
    }

    /** Labels equal to the prediction for the first half of the batch and wrong for the rest: both branches run. */
    private static int[] halfCorrectLabels(Network net, NDArray x) {
        float[] logits = net.logits(x).toFloatArray();
        int[] labels = new int[B];
        for (int i = 0; i < B; i++) {
            int predicted = Logits.argMax(logits, i, K);
            labels[i] = i < B / 2 ? predicted : (predicted + 1 + i % (K - 1)) % K;
        }
        return labels;
    }

    private static NDArray regularizer(DeepDefenseObjective objective, Network net, NDArray x, int[] labels) {
        ForwardPass first = net.forward(x, Mode.EVAL);
        return objective.regularizer(objective.deepFool().perturb(net, x, first, labels));
    }

    private static double centralDifference(DeepDefenseObjective objective, Network net, NDArray x, int[] labels,
            Parameter p, int index, float h) {
        NDArray flat = p.value().reshape(-1);
        float original = flat.getFloat(index);
        double[] values = new double[2];
        for (int side = 0; side < 2; side++) {
            flat.set(new NDIndex(index), original + (side == 0 ? h : -h));
            try (NDManager step = x.getManager().newSubManager()) {
                NDArray xs = x.duplicate();
                xs.attach(step);
                values[side] = regularizer(objective, net, xs, labels).getFloat();
            }
        }
        flat.set(new NDIndex(index), original);
        return (values[0] - values[1]) / (2 * h);
    }

    /** Seeded inputs: DJL's own random generator is not seeded per test. */
    static NDArray gaussian(NDManager m, Shape shape, double sigma, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (sigma * random.nextGaussian());
        }
        return m.create(values, shape);
    }

    private static int[] largest(float[] values, int count) {
        return java.util.stream.IntStream.range(0, values.length).boxed()
                .sorted((a, b) -> Float.compare(Math.abs(values[b]), Math.abs(values[a])))
                .limit(count).mapToInt(Integer::intValue).toArray();
    }

    private static double maxAbs(float[] values) {
        double max = 0;
        for (float v : values) {
            max = Math.max(max, Math.abs(v));
        }
        return max;
    }
}
