package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
                assertFalse(sgd.step(parameters, List.of(), 0.1, step).applied(), "an infinite gradient is not applied");
            }
            assertArrayEquals(new float[] {1, 2, 3}, w.toFloatArray());

            backward(w, m.create(new float[] {1, 1, 1}));
            try (NDManager step = m.newSubManager()) {
                assertTrue(sgd.step(parameters, List.of(), 0.1, step).applied(), "the next, finite gradient is applied");
            }
            assertArrayEquals(new float[] {0.9f, 1.9f, 2.9f}, w.toFloatArray(), 1e-6f);
        }
    }

    /** A gradient longer than the bound is applied clipped, and the step says so. */
    @Test
    void anExplodingGradientIsClippedAndReportedAsSuch() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Sgd sgd = new Sgd(0, 0, m)) {
            NDArray w = m.create(new float[] {0, 0});
            w.setRequiresGradient(true);
            List<Parameter> parameters = List.of(new Parameter("w", w, true));
            backward(w, m.create(new float[] {3 * (float) Sgd.MAX_GRADIENT_NORM, 4 * (float) Sgd.MAX_GRADIENT_NORM}));
            try (NDManager step = m.newSubManager()) {
                assertEquals(Sgd.Update.CLIPPED, sgd.step(parameters, List.of(), 1, step));
            }
            // Clipped to norm MAX_GRADIENT_NORM along (3, 4)/5.
            assertArrayEquals(new float[] {-0.6f * (float) Sgd.MAX_GRADIENT_NORM, -0.8f * (float) Sgd.MAX_GRADIENT_NORM},
                    w.toFloatArray(), 1e-3f);
            backward(w, m.create(new float[] {1, 1}));
            try (NDManager step = m.newSubManager()) {
                assertEquals(Sgd.Update.APPLIED, sgd.step(parameters, List.of(), 1, step));
            }
        }
    }

    /** A frozen parameter is neither updated nor decayed, and its gradient does not count towards the norm. */
    @Test
    void frozenParametersGetNoUpdateNoDecayAndNoShareOfTheNorm() {
        try (NDManager m = NDManager.newBaseManager("PyTorch");
                Sgd sgd = new Sgd(0.9, 0.5, m)) {
            NDArray w = m.create(new float[] {1, 2});
            NDArray frozen = m.create(new float[] {5, 6});
            w.setRequiresGradient(true);
            frozen.setRequiresGradient(true);
            Parameter frozenParameter = new Parameter("gamma", frozen, true);
            List<Parameter> parameters = List.of(new Parameter("w", w, true), frozenParameter);
            for (int i = 0; i < 2; i++) {
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    // The frozen gradient alone is far beyond the clipping bound.
                    collector.backward(w.sum().add(frozen.mul(1e6f).sum()));
                }
                try (NDManager step = m.newSubManager()) {
                    assertEquals(Sgd.Update.APPLIED, sgd.step(parameters, List.of(frozenParameter), 0.1, step));
                }
                assertArrayEquals(new float[] {0, 0}, frozen.getGradient().toFloatArray(), "gradient discarded");
            }
            assertArrayEquals(new float[] {5, 6}, frozen.toFloatArray());
            assertTrue(w.toFloatArray()[0] < 1, "the other parameter moved");
            assertTrue(sgd.state().keySet().equals(java.util.Set.of("w")), "no momentum buffer for the frozen one");
        }
    }

    /** d/dw of Σ w·c is c. */
    private static void backward(NDArray w, NDArray c) {
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            collector.backward(w.mul(c).sum());
        }
    }
}
