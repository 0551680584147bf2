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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The regulariser, differentiated through the unrolled DeepFool, against central finite differences. */
class DeepDefenseGradientTest {
    private static final int B = 12;
    private static final int K = 10;

    @ParameterizedTest(name = "on {0}")
    @MethodSource("org.deepdefense.nn.TestDevices#all")
    void regularizerGradientMatchesFiniteDifferences(Device device) {
        try (NDManager m = NDManager.newBaseManager(device, "PyTorch");
                Network net = Network.create(Architecture.MLP, 1, 6, 6, K, 21, m)) {
            NDArray x = gaussian(m, new Shape(B, 1, 6, 6), 40, 1);
            int[] labels = halfCorrectLabels(net, x);
            DeepDefenseObjective objective = new DeepDefenseObjective(1, 5, 1, new UnrolledDeepFool(5, 0.02));

            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                collector.backward(regularizer(objective, net, x, labels));
            }
            double scale = 0;
            for (Parameter p : net.parameters()) {
                scale = Math.max(scale, maxAbs(p.value().getGradient().toFloatArray()));
            }
            int checked = 0;
            for (Parameter p : net.parameters()) {
                float[] analytic = p.value().getGradient().toFloatArray();
                // The largest entries of each tensor: a wrong gradient shows there first, and they stand far
                // enough above float32 rounding for a finite difference to resolve them.
                for (int index : largest(analytic, 3)) {
                    if (Math.abs(analytic[index]) < 1e-2 * scale) {
                        continue;
                    }
                    // A step may cross a ReLU kink or flip a DeepFool decision, and a tiny one drowns in float32
                    // rounding: one of three step sizes must agree.
                    double closest = Double.NaN;
                    for (float h : new float[] {3e-4f, 1e-4f, 3e-5f}) {
                        double numeric = centralDifference(objective, net, x, labels, p, index, h);
                        if (!(Math.abs(closest - analytic[index]) <= Math.abs(numeric - analytic[index]))) {
                            closest = numeric;
                        }
                    }
                    double tolerance = 3e-2 * Math.abs(analytic[index]) + 3e-4 * scale;
                    assertEquals(closest, analytic[index], tolerance, p.name() + "[" + index + "]");
                    checked++;
                }
            }
            assertTrue(checked >= 8, "enough derivatives were compared: " + checked);
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
