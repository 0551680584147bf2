package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** Inverted dropout: identity in EVAL, a seeded 1/(1−p)-scaled mask in TRAIN, and an input gradient through it. */
class DropoutTest {

    @Test
    void evalModeIsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.randomNormal(new Shape(4, 3, 5, 5));
            Layer.Applied applied = new Dropout(0.5).forward(x, Mode.EVAL);
            assertSame(x, applied.output());
            assertSame(x, applied.inputGradient().apply(x));
        }
    }

    @Test
    void trainModeKeepsOneMinusPScaledAndTheSameSeedDrawsTheSameMask() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            NDArray x = m.ones(new Shape(200, 500));
            Engine.getInstance().setRandomSeed(11);
            NDArray first = new Dropout(0.3).forward(x, Mode.TRAIN).output();
            Engine.getInstance().setRandomSeed(11);
            NDArray again = new Dropout(0.3).forward(x, Mode.TRAIN).output();
            assertEquals(first, again, "the step's seed fixes the mask");

            float[] values = first.toFloatArray();
            long kept = 0;
            for (float v : values) {
                assertTrue(v == 0f || Math.abs(v - 1 / 0.7f) < 1e-6, "0 or 1/(1-p), got " + v);
                kept += v == 0f ? 0 : 1;
            }
            // 100,000 Bernoulli(0.7) draws: the standard deviation of the kept share is 0.0014.
            assertEquals(0.7, kept / (double) values.length, 0.01);
        }
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0));
    }

    @Test
    void inputGradientIsTheMaskOfThePassForEveryReplica() {
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            int n = 3;
            int replicas = 2;
            NDArray x = m.randomNormal(new Shape(n, 4, 6, 6));
            NDArray seeds = m.randomNormal(new Shape(replicas * n, 4, 6, 6));
            Dropout dropout = new Dropout(0.5);
            Engine.getInstance().setRandomSeed(5);
            NDArray inverse = dropout.forward(x, Mode.TRAIN).inputGradient().apply(seeds);
            for (int r = 0; r < replicas; r++) {
                NDArray v = seeds.get(r * n + ":" + (r + 1) * n);
                // Reseeding before each autograd pass draws the mask of the pass above again.
                NDArray expected = InverseNetworkTest.autogradInputGradient(x, v, xi -> {
                    Engine.getInstance().setRandomSeed(5);
                    return dropout.forward(xi, Mode.TRAIN).output();
                });
                InverseNetworkTest.assertClose(expected, inverse.get(r * n + ":" + (r + 1) * n), "dropout replica " + r);
            }
            NDArray zeroed = inverse.eq(0).toType(DataType.FLOAT32, false).mean();
            assertTrue(zeroed.getFloat() > 0.3, "about half of the gradient is dropped: " + zeroed.getFloat());
        }
    }
}
