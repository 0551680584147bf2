package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * Non-overlapping k×k max pooling (stride k). The forward pass records its switches as a one-hot mask over each
 * window (first maximum wins on ties, as PyTorch's max_pool2d); the output is the masked sum, so autograd and the
 * input gradient route through exactly the same positions.
 */
public final class MaxPool2d implements Layer {
    private final int k;

    MaxPool2d(int k) {
        this.k = k;
    }

    /** Window size and stride. */
    public int kernel() {
        return k;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        PoolWindows w = PoolWindows.of(x.getShape(), k);
        NDArray windows = w.split(x);
        NDArray switches = windows.argMax(-1).oneHot(k * k).toType(DataType.FLOAT32, false);
        NDArray y = windows.mul(switches).sum(new int[] {-1});
        // The switches in the input's layout, (N, C, h, k, w, k): the input gradient is then one broadcast product
        // of v, each value repeated over its window, with no strided copy of the R·N seeds (that copy made the
        // inverse of LeNet's first pool 5× slower than this).
        NDArray inputSwitches = w.merge(switches).reshape(-1, w.c(), w.h(), k, w.w(), k);
        return new Applied(y, v -> Scope.maskRows(v.reshape(-1, w.c(), w.h(), 1, w.w(), 1), inputSwitches)
                .reshape(-1, w.c(), w.h() * k, w.w() * k));
    }
}
