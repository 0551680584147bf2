package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Square convolution with zero padding and any stride (dilation 1), weight (out, in, k, k) and an optional bias as
 * torch.nn.Conv2d. Its input gradient is the transposed convolution with the same weight ({@link #transposed}).
 */
public final class Conv2d implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final int kernel;
    private final int stride;
    private final int padding;

    /** Stride 1 with a bias, as the paper's networks use. */
    Conv2d(String name, int in, int out, int kernel, int padding, NDManager manager, SplittableRandom random) {
        this(name, in, out, kernel, 1, padding, true, manager, random);
    }

    Conv2d(String name, int in, int out, int kernel, int stride, int padding, boolean withBias, NDManager manager,
            SplittableRandom random) {
        if (padding > kernel - 1) {
            throw new IllegalArgumentException("padding " + padding + " must be below the kernel size " + kernel);
        }
        if (stride < 1) {
            throw new IllegalArgumentException("stride must be at least 1, got " + stride);
        }
        long fanIn = (long) in * kernel * kernel;
        this.weight = new Parameter(name + ".weight",
                Init.uniformFanIn(manager, new Shape(out, in, kernel, kernel), fanIn, random), true);
        this.bias = withBias
                ? new Parameter(name + ".bias", Init.uniformFanIn(manager, new Shape(out), fanIn, random), true)
                : null;
        this.kernel = kernel;
        this.stride = stride;
        this.padding = padding;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        NDArray y = convolve(x, weight.value(), bias == null ? null : bias.value(), stride, padding, 1);
        long inH = x.getShape().get(2);
        long inW = x.getShape().get(3);
        // One input channel (a grey-level image): the transposed convolution below would have one output channel, a
        // matrix-vector product per image behind an unrolling of every window (measured: 250 ms for the 1,000 seeds
        // of a LeNet DeepFool choice on 2 threads); the matrix product plus fold takes 142 ms there. With more
        // channels the convolution is the faster one (170 ms against 910 ms for LeNet's second layer).
        boolean greyInput = weight.value().getShape().get(1) == 1;
        return new Applied(y, v -> greyInput ? folded(v, weight.value(), stride, padding, inH, inW)
                : transposed(v, weight.value(), stride, padding, inH, inW, 1));
    }

    public int kernel() {
        return kernel;
    }

    public int stride() {
        return stride;
    }

    public int padding() {
        return padding;
    }

    static NDArray convolve(NDArray x, NDArray w, NDArray b, int stride, int pad, int groups) {
        return x.getNDArrayInternal().convolution(x, w, b, new Shape(stride, stride), new Shape(pad, pad),
                new Shape(1, 1), groups).singletonOrThrow();
    }

    /**
     * vᵀ·∂conv(x)/∂x for the convolution of an inH×inW input x with weight w (out, in/groups, k, k), given stride
     * and padding: the transposed convolution of v. DJL's PyTorch engine implements no deconvolution
     * (NDArrayEx.deconvolution throws), so it is built from ops it has: v is zero-stuffed (stride−1 zeros between
     * neighbours), cut to the inH+2p−k+1 rows the forward windows started from (a stride that does not divide the
     * input leaves rows no window reached; they get a zero gradient from the padding below, which is what a
     * transposed convolution's output padding does), and convolved at stride 1 with the kernel flipped in space and
     * in/out swapped, padded by k−1−p. Differentiable with respect to w.
     */
    static NDArray transposed(NDArray v, NDArray w, int stride, int padding, long inH, long inW, int groups) {
        Shape ws = w.getShape();
        long out = ws.get(0);
        long inPerGroup = ws.get(1);
        long k = ws.get(2);
        // The first op on the long-lived weight lands in its manager: move it to the step's (DESIGN §7).
        NDArray swapped = Scope.own(w.reshape(groups, out / groups, inPerGroup, k, k), v.getManager())
                .transpose(0, 2, 1, 3, 4).reshape(groups * inPerGroup, out / groups, k, k).flip(2, 3);
        long rows = v.getShape().get(0);
        long channels = v.getShape().get(1);
        long outH = v.getShape().get(2);
        long outW = v.getShape().get(3);
        NDArray spread = v;
        if (stride > 1) {
            spread = v.reshape(rows, channels, outH, 1, outW, 1)
                    .pad(new Shape(0, stride - 1, 0, 0, 0, stride - 1), 0)
                    .reshape(rows, channels, outH * stride, outW * stride);
        }
        long keepH = inH + 2L * padding - k + 1;
        long keepW = inW + 2L * padding - k + 1;
        if (spread.getShape().get(2) != keepH || spread.getShape().get(3) != keepW) {
            spread = spread.get(new NDIndex(":, :, :{}, :{}", keepH, keepW));
        }
        return convolve(spread, swapped, null, 1, (int) k - 1 - padding, groups);
    }

    /**
     * The same vᵀ·∂conv(x)/∂x as {@link #transposed} (groups 1), as a matrix product of the weight with v (every
     * output position's window values) and a {@link Fold} of them onto the input.
     */
    static NDArray folded(NDArray v, NDArray w, int stride, int padding, long inH, long inW) {
        Shape ws = w.getShape();
        long out = ws.get(0);
        long in = ws.get(1);
        long k = ws.get(2);
        long rows = v.getShape().get(0);
        long outH = v.getShape().get(2);
        long outW = v.getShape().get(3);
        // The first op on the long-lived weight lands in its manager: move it to the step's (DESIGN §7).
        NDArray weightT = Scope.own(w.reshape(out, in * k * k), v.getManager()).transpose();
        // (in·k·k, out) × (R, out, outH·outW) → (R, in·k·k, outH·outW).
        NDArray cols = weightT.matMul(v.reshape(rows, out, outH * outW));
        return Fold.fold(cols.reshape(rows, in, k, k, outH, outW), stride, padding, inH, inW);
    }

    @Override
    public List<Parameter> parameters() {
        return bias == null ? List.of(weight) : List.of(weight, bias);
    }
}
