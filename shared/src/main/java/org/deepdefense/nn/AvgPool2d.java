package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;

/** Non-overlapping k×k average pooling (stride k); its input gradient spreads v evenly over each window. */
public final class AvgPool2d implements Layer {
    private final int k;

    AvgPool2d(int k) {
        this.k = k;
    }

    /** Window size and stride. */
    public int kernel() {
        return k;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        PoolWindows w = PoolWindows.of(x.getShape(), k);
        NDArray y = w.split(x).mean(new int[] {-1});
        return new Applied(y, v -> v.repeat(2, k).repeat(3, k).div(k * k));
    }
}
