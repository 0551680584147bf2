package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One forward pass of a {@link Network}: the logits and, per layer, the input-gradient map fixed by this pass.
 * Together they form the "inverse network" of the paper's official code.
 */
public final class ForwardPass {
    private final NDArray logits;
    private final List<UnaryOperator<NDArray>> inputGradients;

    ForwardPass(NDArray logits, List<UnaryOperator<NDArray>> inputGradients) {
        this.logits = logits;
        this.inputGradients = inputGradients;
    }

    /** Logits, shape (N, K). */
    public NDArray logits() {
        return logits;
    }

    public int batchSize() {
        return Math.toIntExact(logits.getShape().get(0));
    }

    /**
     * Vector-Jacobian products of the logits with respect to the input: seeds (R·N, K), replica-major, give
     * (R·N, C, H, W) with row r·N + n equal to seedᵀ·∂logits_n/∂x_n. Differentiable with respect to the parameters
     * while autograd records; the masks and switches of this pass are constants.
     */
    public NDArray inputGradient(NDArray seeds) {
        NDArray v = seeds;
        for (int i = inputGradients.size() - 1; i >= 0; i--) {
            v = inputGradients.get(i).apply(v);
        }
        return v;
    }
}
