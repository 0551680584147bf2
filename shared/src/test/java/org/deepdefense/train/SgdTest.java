package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.deepdefense.nn.Parameter;
import org.junit.jupiter.api.Test;

class SgdTest {

    /** A batch whose gradient overflows is skipped, and leaves nothing behind that poisons the next step. */
    @Test
    void aSkippedNonFiniteStepDoesNotPoisonTheNextOne() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Sgd sgd = new Sgd(0.9, 0, m)) {
            NDArray w = m.create(new float[] {1, 2, 3});
            w.setRequiresGradient(true);
            List<Parameter> parameters = List.of(new Parameter("w", w, true));

            backward(w, m.create(new float[] {Float.POSITIVE_INFINITY, 1, 1}));
            try (NDManager step = m.newSubManager()) {
                assertFalse(sgd.step(parameters, 0.1, step), "an infinite gradient is not applied");
            }
            assertArrayEquals(new float[] {1, 2, 3}, w.toFloatArray());

            backward(w, m.create(new float[] {1, 1, 1}));
            try (NDManager step = m.newSubManager()) {
                assertTrue(sgd.step(parameters, 0.1, step), "the next, finite gradient is applied");
            }
            assertArrayEquals(new float[] {0.9f, 1.9f, 2.9f}, w.toFloatArray(), 1e-6f);
        }
    }

    /** d/dw of Σ w·c is c. */
    private static void backward(NDArray w, NDArray c) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(w.mul(c).sum());
        }
    }
}
