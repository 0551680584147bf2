package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** max(x, 0); its input gradient multiplies by the mask x > 0 of the forward pass (a constant). */
public final class Relu implements Layer {
    @Override
    public Applied forward(NDArray x, Mode mode) {
        NDArray mask = x.gt(0).toType(DataType.FLOAT32, false);
        return new Applied(x.mul(mask), v -> Scope.maskRows(v, mask));
    }
}
