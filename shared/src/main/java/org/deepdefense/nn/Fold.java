package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;

/**
 * col2im, as torch.nn.Fold: sums window values back onto the input positions they were read from. With cols of shape
 * (R, C, k, k, outH, outW), where (p, q, i, j) is offset (p, q) of the window at output position (i, j), the result
 * (R, C, inH, inW) holds at (y, x) the sum of cols over every (p, q, i, j) with stride·i + p − padding = y and
 * stride·j + q − padding = x. This is the input gradient of any window extraction (a convolution after its matrix
 * product with the weight, a max pool after routing through its switches).
 *
 * <p>The sum runs one axis at a time (k placements along the width, then k along the height: 2k ops rather than
 * k²), each placement a zero-stuffing for the stride and a padding (or a crop), so every op is a copy or an add
 * that autograd differentiates cheaply. DJL's PyTorch engine has no fold or transposed convolution.
 */
final class Fold {
    private Fold() {}

    static NDArray fold(NDArray cols, int stride, int padding, long inH, long inW) {
        Shape shape = cols.getShape();
        if (shape.dimension() != 6 || shape.get(2) != shape.get(3)) {
            throw new IllegalArgumentException("fold needs (R, C, k, k, outH, outW), got " + shape);
        }
        int k = Math.toIntExact(shape.get(2));
        long paddedH = inH + 2L * padding;
        long paddedW = inW + 2L * padding;
        // Along the width: (R, C, k, k, outH, outW) → (R, C, k, outH, paddedW).
        NDList columns = cols.split(k, 3);
        NDArray alongWidth = null;
        for (int q = 0; q < k; q++) {
            NDArray placed = place(columns.get(q).squeeze(3), 0, stride, q, paddedW);
            alongWidth = alongWidth == null ? placed : alongWidth.add(placed);
        }
        // Along the height: (R, C, k, outH, paddedW) → (R, C, paddedH, paddedW).
        NDList rows = alongWidth.split(k, 2);
        NDArray folded = null;
        for (int p = 0; p < k; p++) {
            NDArray placed = place(rows.get(p).squeeze(2), 1, stride, p, paddedH);
            folded = folded == null ? placed : folded.add(placed);
        }
        return padding == 0 ? folded
                : folded.get(new NDIndex(":, :, {}:{}, {}:{}", padding, padding + inH, padding, padding + inW));
    }

    /**
     * Puts the n values along one of the last two axes of x at positions offset + stride·i of an axis of the given
     * length (zeros elsewhere, values beyond it dropped); {@code fromEnd} 0 is the last axis, 1 the one before.
     */
    private static NDArray place(NDArray x, int fromEnd, int stride, int offset, long length) {
        Shape shape = x.getShape();
        int axis = shape.dimension() - 1 - fromEnd;
        long n = shape.get(axis);
        NDArray spread = x;
        if (stride > 1) {
            // A unit axis after `axis`, padded to the stride and merged: stride−1 zeros after each value.
            Shape unit = shape.slice(0, axis + 1).add(1).addAll(shape.slice(axis + 1));
            long[] stuffing = new long[2 * (fromEnd + 1)];
            stuffing[2 * fromEnd + 1] = stride - 1;
            spread = x.reshape(unit).pad(new Shape(stuffing), 0).reshape(
                    shape.slice(0, axis).add(n * stride).addAll(shape.slice(axis + 1)));
        }
        long after = length - offset - n * stride;
        if (after < 0) {
            // Values (or stuffed zeros) that fall beyond the axis: the rows or columns no window of the input reached.
            spread = spread.get(fromEnd == 0 ? new NDIndex("..., :{}", n * stride + after)
                    : new NDIndex("..., :{}, :", n * stride + after));
            after = 0;
        }
        long[] padding = new long[2 * (fromEnd + 1)];
        padding[2 * fromEnd] = offset;
        padding[2 * fromEnd + 1] = after;
        return spread.pad(new Shape(padding), 0);
    }
}
