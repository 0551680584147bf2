package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A network layer that, besides its forward map, offers a differentiable vector-Jacobian product with
 * respect to its input. The product is built from ordinary ops that share the layer's parameters, so one
 * ordinary backward pass can train through it (DESIGN §2): no create_graph, no leak.
 */
public interface Layer {

    /**
     * Applies the layer to a batch of N samples and returns the output together with the input-gradient map
     * of this very pass (ReLU masks and pooling switches are fixed at the values this forward pass saw).
     */
    Applied forward(NDArray x, Mode mode);

    /** Trainable parameters and persistent buffers (BatchNorm running statistics), in export order. */
    default List<Parameter> parameters() {
        return List.of();
    }

    /**
     * Trainable parameters that a step in {@code mode} must leave as they are: no update, no weight decay, no share
     * of the gradient norm. BatchNorm's γ and β in EVAL mode, as the official Deep Defense code freezes them.
     */
    default List<Parameter> frozenIn(Mode mode) {
        return List.of();
    }

    /**
     * The result of a forward pass through one layer.
     *
     * @param output the layer's output, shape (N, ...)
     * @param inputGradient maps v of shape (R·N, out...) to vᵀ·∂output/∂input of shape (R·N, in...); rows are
     *     laid out replica-major (row r·N + n belongs to sample n), so R seeds per sample go through in one pass
     */
    record Applied(NDArray output, UnaryOperator<NDArray> inputGradient) {}
}
