package org.deepdefense.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;

class DeepFoolTest {

    @Test
    void linearClassifierGetsTheClosedFormMinimalPerturbation() {
        int d = 12;
        int k = 5;
        int b = 20;
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.LINEAR, 1, 3, 4, k, 3, m)) {
            Map<String, float[]> state = net.stateDict();
            float[] w = state.get("fc1.weight");
            float[] bias = state.get("fc1.bias");
            NDArray x = m.randomNormal(0, 3, new Shape(b, 1, 3, 4), DataType.FLOAT32);
            float[] xs = x.toFloatArray();
            double overshoot = 0.02;
            DeepFool.Result result = new DeepFool(50, overshoot).attack(net, x);
            for (int i = 0; i < b; i++) {
                double[] f = new double[k];
                for (int j = 0; j < k; j++) {
                    f[j] = bias[j];
                    for (int p = 0; p < d; p++) {
                        f[j] += (double) w[j * d + p] * xs[i * d + p];
                    }
                }
                int s = 0;
                for (int j = 1; j < k; j++) {
                    s = f[j] > f[s] ? j : s;
                }
                double minimal = Double.POSITIVE_INFINITY;
                int closest = -1;
                for (int j = 0; j < k; j++) {
                    if (j == s) {
                        continue;
                    }
                    double norm = 0;
                    for (int p = 0; p < d; p++) {
                        double diff = w[j * d + p] - w[s * d + p];
                        norm += diff * diff;
                    }
                    double distance = Math.abs(f[j] - f[s]) / Math.sqrt(norm);
                    if (distance < minimal) {
                        minimal = distance;
                        closest = j;
                    }
                }
                double found = 0;
                for (int p = 0; p < d; p++) {
                    found += Math.pow(result.perturbations()[i * d + p], 2);
                }
                found = Math.sqrt(found) / (1 + overshoot);
                assertEquals(minimal, found, 1e-4 * minimal + 2e-4, "sample " + i + " towards class " + closest);
                assertTrue(result.fooled()[i], "sample " + i + " is fooled");
                assertEquals(1, result.iterations()[i], "a linear classifier needs one step");
                assertEquals(s, result.predictions()[i]);
            }
        }
    }

    @Test
    void samplesAreFooledAndRatiosAreConsistentOnAnMlp() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Network net = Network.create(Architecture.MLP, 1, 8, 8, 10, 5, m)) {
            NDArray x = m.randomNormal(0, 40, new Shape(16, 1, 8, 8), DataType.FLOAT32);
            DeepFool.Result result = new DeepFool(50, 0.02).attack(net, x);
            float[] xs = x.toFloatArray();
            float[] adversarial = xs.clone();
            for (int i = 0; i < adversarial.length; i++) {
                adversarial[i] += result.perturbations()[i];
            }
            float[] logits = net.logits(m.create(adversarial, x.getShape())).toFloatArray();
            int[] after = new int[16];
            for (int i = 0; i < 16; i++) {
                after[i] = Logits.argMax(logits, i, 10);
                assertTrue(result.fooled()[i]);
                assertTrue(after[i] != result.predictions()[i], "x + Δx changes the prediction of sample " + i);
                assertTrue(result.ratios()[i] > 0);
            }
            DeepFool.Result again = new DeepFool(50, 0.02).attack(net, x);
            assertArrayEquals(result.ratios(), again.ratios(), "deterministic");
        }
    }
}
