package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Inverted dropout: in TRAIN mode each activation is kept with probability 1 − p and scaled by 1/(1 − p), in EVAL
 * mode (Deep Defense steps, every attack, every evaluation) the identity. The mask comes from the engine's random
 * generator, which the trainer seeds before every step from (seed, step), so a resumed run draws the same masks. The
 * input gradient multiplies by the same mask, a constant of the pass like a ReLU's.
 */
public final class Dropout implements Layer {
    private final float p;

    public Dropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = (float) p;
    }

    public double probability() {
        return p;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        if (mode == Mode.EVAL || p == 0) {
            return new Applied(x, v -> v);
        }
        NDArray mask = x.getManager().randomUniform(0f, 1f, x.getShape()).gte(p).toType(DataType.FLOAT32, false)
                .div(1 - p);
        return new Applied(x.mul(mask), v -> Scope.maskRows(v, mask));
    }
}
