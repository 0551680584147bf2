package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/** Splits (N, C, H, W) into non-overlapping (N, C, H/k, W/k, k·k) windows and merges them back. */
record PoolWindows(long c, long h, long w, int k) {
    static PoolWindows of(Shape shape, int k) {
        if (shape.dimension() != 4 || shape.get(2) % k != 0 || shape.get(3) % k != 0) {
            throw new IllegalArgumentException("pooling " + k + "x" + k + " needs (N, C, H, W) with H and W divisible by "
                    + k + ", got " + shape);
        }
        return new PoolWindows(shape.get(1), shape.get(2) / k, shape.get(3) / k, k);
    }

    NDArray split(NDArray x) {
        return x.reshape(-1, c, h, k, w, k).transpose(0, 1, 2, 4, 3, 5).reshape(-1, c, h, w, (long) k * k);
    }

    NDArray merge(NDArray windows) {
        return windows.reshape(-1, c, h, w, k, k).transpose(0, 1, 2, 4, 3, 5).reshape(-1, c, h * k, w * k);
    }
}
