package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * DJL puts an op's result in the manager of its first operand. An op whose first operand is a long-lived
 * parameter (a transposed weight, say) would therefore land in the model's root manager and never be freed
 * (DESIGN §7); such temporaries are moved to the manager of the current step with {@link #own}.
 */
public final class Scope {
    private Scope() {}

    /** Moves {@code temporary} into {@code manager} and returns it. */
    public static NDArray own(NDArray temporary, NDManager manager) {
        temporary.attach(manager);
        return temporary;
    }

    /**
     * Multiplies v of shape (R·N, ...) row-group-wise by a per-sample mask of shape (N, ...) (broadcasting allowed),
     * so that R seeds per sample share the mask of their sample.
     */
    static NDArray maskRows(NDArray v, NDArray mask) {
        Shape grouped = new Shape(-1, mask.getShape().get(0)).addAll(v.getShape().slice(1));
        NDArray product = v.reshape(grouped).mul(mask);
        return product.reshape(new Shape(-1).addAll(product.getShape().slice(2)));
    }
}
