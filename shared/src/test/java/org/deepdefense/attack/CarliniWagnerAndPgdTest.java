package org.deepdefense.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;

class CarliniWagnerAndPgdTest {

    /**
     * On a linear classifier the minimal L2 perturbation is the distance to the nearest decision hyperplane (the
     * class region is a convex polytope). These inputs are a hard case: ratios from 5e-4 to 0.5 of ‖x‖.
     */
    @Test
    void carliniWagnerApproachesTheMinimalPerturbationOfALinearClassifier() {
        int d = 12;
        int k = 5;
        int b = 20;
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.LINEAR, 1, 3, 4, k, 3, m)) {
            Map<String, float[]> state = net.stateDict();
            float[] w = state.get("fc1.weight");
            float[] bias = state.get("fc1.bias");
            NDArray x = gaussian(m, new Shape(b, 1, 3, 4), 3, 11);
            float[] xs = x.toFloatArray();
            float[] logits = net.logits(x).toFloatArray();
            int[] predicted = new int[b];
            for (int i = 0; i < b; i++) {
                predicted[i] = Logits.argMax(logits, i, k);
            }
            CarliniWagnerL2.Result result = CarliniWagnerL2.defaults().attack(net, x, predicted);
            double[] excess = new double[b];
            for (int i = 0; i < b; i++) {
                double minimal = Double.POSITIVE_INFINITY;
                double norm = 0;
                for (int p = 0; p < d; p++) {
                    norm += (double) xs[i * d + p] * xs[i * d + p];
                }
                for (int j = 0; j < k; j++) {
                    if (j == predicted[i]) {
                        continue;
                    }
                    double gap = bias[predicted[i]] - bias[j];
                    double normal = 0;
                    for (int p = 0; p < d; p++) {
                        double diff = w[predicted[i] * d + p] - w[j * d + p];
                        gap += diff * xs[i * d + p];
                        normal += diff * diff;
                    }
                    minimal = Math.min(minimal, gap / Math.sqrt(normal));
                }
                double found = result.ratios()[i] * Math.sqrt(norm);
                assertTrue(found >= minimal * (1 - 1e-3), "sample " + i + ": " + found + " below the minimum " + minimal);
                excess[i] = found / minimal;
                float[] adversarial = new float[d];
                for (int p = 0; p < d; p++) {
                    adversarial[p] = xs[i * d + p] + result.perturbations()[i * d + p];
                }
                float[] after = net.logits(m.create(adversarial, new Shape(1, 1, 3, 4))).toFloatArray();
                assertTrue(Logits.argMax(after, 0, k) != predicted[i], "x + δ is misclassified, sample " + i);
            }
            // A heuristic attack with a fixed budget (5 × 100 Adam steps): close to the minimum on almost every sample.
            java.util.Arrays.sort(excess);
            assertTrue(excess[b / 2] < 1.01, "median found/minimal " + excess[b / 2]);
            assertTrue(excess[b - 3] < 1.1, "all but two samples within 10 %: " + java.util.Arrays.toString(excess));
            assertTrue(excess[b - 1] < 1.5, "worst found/minimal " + excess[b - 1]);
        }
    }

    @Test
    void misclassifiedSamplesNeedNoPerturbationAndTheMedianCountsFailuresAsInfinite() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.LINEAR, 1, 3, 4, 5, 3, m)) {
            NDArray x = gaussian(m, new Shape(4, 1, 3, 4), 3, 12);
            float[] logits = net.logits(x).toFloatArray();
            int[] wrong = new int[4];
            for (int i = 0; i < 4; i++) {
                wrong[i] = (Logits.argMax(logits, i, 5) + 1) % 5;
            }
            for (double ratio : CarliniWagnerL2.defaults().attack(net, x, wrong).ratios()) {
                assertEquals(0, ratio);
            }
        }
        assertEquals(2, CarliniWagnerL2.median(new double[] {3, 1, 2}));
        assertEquals(Double.POSITIVE_INFINITY, CarliniWagnerL2.median(new double[] {1, Double.POSITIVE_INFINITY,
                Double.POSITIVE_INFINITY}));
    }

    @Test
    void pgdStaysInItsBallAndIsAtLeastAsStrongAsItsRandomStart() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.MLP, 1, 8, 8, 10, 5, m)) {
            NDArray x = gaussian(m, new Shape(32, 1, 8, 8), 40, 13);
            float[] xs = x.toFloatArray();
            float[] logits = net.logits(x).toFloatArray();
            int[] labels = new int[32];
            for (int i = 0; i < 32; i++) {
                labels[i] = Logits.argMax(logits, i, 10);
            }
            long[] seeds = java.util.stream.LongStream.range(0, 32).toArray();
            for (Norm norm : Norm.values()) {
                double epsilon = norm == Norm.LINF ? 3 : 40;
                float[] attacked = new Pgd(norm, 10, 0.25, Losses.CROSS_ENTROPY).run(net, x, labels, epsilon, seeds)
                        .adversarial();
                float[] random = new Pgd(norm, 1, 1e-9, Losses.CROSS_ENTROPY).run(net, x, labels, epsilon, seeds)
                        .adversarial();
                for (int i = 0; i < 32; i++) {
                    double size = 0;
                    for (int p = i * 64; p < (i + 1) * 64; p++) {
                        double delta = Math.abs(attacked[p] - xs[p]);
                        size = norm == Norm.LINF ? Math.max(size, delta) : size + delta * delta;
                    }
                    size = norm == Norm.LINF ? size : Math.sqrt(size);
                    assertTrue(size <= epsilon * (1 + 1e-4), norm + " sample " + i + ": ‖δ‖ " + size + " > ε");
                }
                int afterAttack = Logits.correct(net.logits(m.create(attacked, x.getShape())).toFloatArray(), labels, 10);
                int afterNoise = Logits.correct(net.logits(m.create(random, x.getShape())).toFloatArray(), labels, 10);
                assertTrue(afterAttack < afterNoise, norm + ": PGD leaves " + afterAttack + " of 32 correct, random "
                        + "noise of the same size " + afterNoise);
            }
        }
    }

    /** Seeded test inputs (the engine's own random numbers are not seeded). */
    private static NDArray gaussian(NDManager m, Shape shape, double deviation, long seed) {
        java.util.Random random = new java.util.Random(seed);
        float[] values = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * deviation);
        }
        return m.create(values, shape);
    }
}
