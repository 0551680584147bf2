package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** (N, C, H, W) → (N, C·H·W), and back for the input gradient. */
public final class Flatten implements Layer {
    @Override
    public Applied forward(NDArray x, Mode mode) {
        Shape sample = x.getShape().slice(1);
        return new Applied(x.reshape(x.getShape().get(0), -1), v -> v.reshape(new Shape(-1).addAll(sample)));
    }
}
