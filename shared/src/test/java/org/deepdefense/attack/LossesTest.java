package org.deepdefense.attack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LossesTest {
    private static final int K = 10;

    @Test
    void gradientsMatchFiniteDifferencesOfTheLossValues() {
        SplittableRandom random = new SplittableRandom(5);
        for (Loss loss : new Loss[] {Losses.CROSS_ENTROPY, Losses.MARGIN, Losses.DLR}) {
            for (boolean targeted : new boolean[] {false, true}) {
                for (int trial = 0; trial < 20; trial++) {
                    float[] z = new float[K];
                    for (int j = 0; j < K; j++) {
                        z[j] = (float) (random.nextGaussian() * 3);
                    }
                    int[] label = {random.nextInt(K)};
                    int[] target = targeted ? new int[] {(label[0] + 1 + random.nextInt(K - 1)) % K} : null;
                    Loss.Evaluated at = loss.evaluate(z, K, label, target);
                    double scale = 0;
                    double[] numeric = new double[K];
                    for (int j = 0; j < K; j++) {
                        float h = 1e-2f;
                        float[] up = z.clone();
                        float[] down = z.clone();
                        up[j] += h;
                        down[j] -= h;
                        numeric[j] = (loss.evaluate(up, K, label, target).values()[0]
                                - loss.evaluate(down, K, label, target).values()[0]) / (up[j] - down[j]);
                    }
                    // Seeds may be rescaled by a positive factor: compare directions.
                    for (int j = 0; j < K; j++) {
                        scale = Math.max(scale, Math.abs(numeric[j]));
                    }
                    double seedScale = 0;
                    for (int j = 0; j < K; j++) {
                        seedScale = Math.max(seedScale, Math.abs(at.seeds()[j]));
                    }
                    for (int j = 0; j < K; j++) {
                        assertEquals(numeric[j] / scale, at.seeds()[j] / seedScale, 2e-2,
                                loss.name() + (targeted ? " targeted" : "") + " class " + j);
                    }
                }
            }
        }
    }

    @Test
    void stableCrossEntropyKeepsTheTrueClassTermWhereFloat32SoftmaxSaturates() {
        float[] z = {40, 2, 1, 0, -1, -3, 0.5f, 1.5f, -2, 0};
        int[] label = {0};
        float[] paper = Losses.PAPER_CROSS_ENTROPY.evaluate(z, K, label, null).seeds();
        float[] stable = Losses.CROSS_ENTROPY.evaluate(z, K, label, null).seeds();
        assertEquals(0f, paper[0], "float32 softmax of the true class rounds to 1: its term vanishes");
        assertEquals(-1f, stable[0], 1e-6, "the stable seed keeps it, rescaled");
        double sum = 0;
        for (int j = 1; j < K; j++) {
            assertTrue(stable[j] > 0);
            sum += stable[j];
        }
        assertEquals(1, sum, 1e-5, "rivals share the rescaled mass");
        // Moderate logits: both are softmax − onehot up to float32 rounding and the stable row's rescaling.
        float[] mild = {2, 1, 0, -1, 0.5f, 0, 0, 0, 0, 0};
        float[] p = Losses.PAPER_CROSS_ENTROPY.evaluate(mild, K, new int[] {1}, null).seeds();
        float[] s = Losses.CROSS_ENTROPY.evaluate(mild, K, new int[] {1}, null).seeds();
        for (int j = 0; j < K; j++) {
            assertEquals(p[j], s[j], 1e-6);
        }
    }

    @Test
    void dlrIsInvariantToShiftAndScaleOfTheLogits() {
        float[] z = {3, 1, 0.2f, -1, 2.5f, 0, 0, 0, 0, 0};
        float[] moved = new float[K];
        for (int j = 0; j < K; j++) {
            moved[j] = 1000 * z[j] - 77;
        }
        assertEquals(Losses.DLR.evaluate(z, K, new int[] {0}, null).values()[0],
                Losses.DLR.evaluate(moved, K, new int[] {0}, null).values()[0], 1e-6);
    }
}
