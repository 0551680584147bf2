package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * One forward pass of a {@link Network}: the logits and, per layer, the input-gradient map fixed by this pass.
 * Together they form the "inverse network" of the paper's official code.
 */
public final class ForwardPass {
    private final Network network;
    private final NDArray input;
    private final Mode mode;
    private final NDArray logits;
    private final List<UnaryOperator<NDArray>> inputGradients;

    ForwardPass(Network network, NDArray input, Mode mode, NDArray logits, List<UnaryOperator<NDArray>> inputGradients) {
        this.network = network;
        this.input = input;
        this.mode = mode;
        this.logits = logits;
        this.inputGradients = inputGradients;
    }

    /**
     * The same network's pass at some of this pass's rows (in this order), for work that only they need; the rows'
     * logits and input gradients are those of this pass up to float rounding. Only an EVAL pass can be restricted:
     * in TRAIN mode batch statistics and dropout masks depend on the whole batch. Recorded by autograd when it
     * records, like any forward pass.
     */
    public Optional<ForwardPass> restrictedTo(int[] rows) {
        if (mode != Mode.EVAL) {
            return Optional.empty();
        }
        long[] index = Arrays.stream(rows).asLongStream().toArray();
        NDArray picked = input.get(new NDIndex("{}", input.getManager().create(index)));
        return Optional.of(network.forward(picked, mode));
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
