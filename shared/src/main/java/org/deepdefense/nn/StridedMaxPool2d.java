package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * k×k max pooling with any stride and padding, windows possibly overlapping (AlexNet's 3×3/2, ResNet's 3×3/2 with
 * padding 1), as torch.nn.MaxPool2d without ceil mode. Like {@link MaxPool2d} the forward pass records one-hot
 * switches over each window (first maximum wins) and outputs the masked sum, so autograd and the input gradient
 * route through the same positions. Where windows overlap an input position gathers the gradient of every window
 * whose maximum it is: the input gradient is a grouped transposed convolution of the switched v with a constant
 * one-hot kernel (one output channel per window offset).
 */
public final class StridedMaxPool2d implements Layer {
    private final int k;
    private final int stride;
    private final int padding;

    StridedMaxPool2d(int k, int stride, int padding) {
        if (padding > k / 2) {
            // As PyTorch: a larger padding could make a window of padding only.
            throw new IllegalArgumentException("padding " + padding + " must be at most half the window " + k);
        }
        this.k = k;
        this.stride = stride;
        this.padding = padding;
    }

    public int kernel() {
        return k;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        Shape shape = x.getShape();
        long channels = shape.get(1);
        long inH = shape.get(2);
        long inW = shape.get(3);
        long outH = (inH + 2L * padding - k) / stride + 1;
        long outW = (inW + 2L * padding - k) / stride + 1;
        // Padding never wins a window (each holds an input position); a finite value keeps 0·pad = 0 in the sum.
        NDArray padded = padding == 0 ? x
                : x.pad(new Shape(padding, padding, padding, padding), -Float.MAX_VALUE);
        NDList offsets = new NDList(k * k);
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                offsets.add(padded.get(new NDIndex(":, :, {}:{}:{}, {}:{}:{}", i, i + stride * (outH - 1) + 1, stride,
                        j, j + stride * (outW - 1) + 1, stride)));
            }
        }
        NDArray windows = NDArrays.stack(offsets, 4);
        NDArray switches = windows.argMax(-1).oneHot(k * k).toType(DataType.FLOAT32, false);
        NDArray y = windows.mul(switches).sum(new int[] {-1});
        NDArray spread = oneHotKernel(x.getManager(), channels);
        return new Applied(y, v -> {
            NDArray routed = Scope.maskRows(v.expandDims(-1), switches).transpose(0, 1, 4, 2, 3)
                    .reshape(-1, channels * k * k, outH, outW);
            return Conv2d.transposed(routed, spread, stride, padding, inH, inW, (int) channels);
        });
    }

    /**
     * The weight (C·k², 1, k, k) of the grouped convolution that copies window offset t of channel c into output
     * channel c·k² + t: the window extraction above, as a convolution whose transpose the input gradient applies.
     */
    private NDArray oneHotKernel(NDManager manager, long channels) {
        int window = k * k;
        float[] values = new float[Math.toIntExact(channels * window * window)];
        for (int c = 0; c < channels; c++) {
            for (int t = 0; t < window; t++) {
                values[(c * window + t) * window + t] = 1;
            }
        }
        return manager.create(values, new Shape(channels * window, 1, k, k));
    }
}
