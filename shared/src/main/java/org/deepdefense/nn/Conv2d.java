package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Stride-1 square convolution with zero padding, weight (out, in, k, k) as torch.nn.Conv2d. DJL's PyTorch engine
 * has no transposed convolution, but for stride 1 the input gradient is itself a convolution: v convolved with the
 * kernel flipped in space and with in/out swapped, padded by k−1−p.
 */
public final class Conv2d implements Layer {
    private final Parameter weight;
    private final Parameter bias;
    private final int kernel;
    private final int padding;

    Conv2d(String name, int in, int out, int kernel, int padding, NDManager manager, SplittableRandom random) {
        if (padding > kernel - 1) {
            throw new IllegalArgumentException("padding " + padding + " must be below the kernel size " + kernel);
        }
        long fanIn = (long) in * kernel * kernel;
        this.weight = new Parameter(name + ".weight",
                Init.uniformFanIn(manager, new Shape(out, in, kernel, kernel), fanIn, random), true);
        this.bias = new Parameter(name + ".bias", Init.uniformFanIn(manager, new Shape(out), fanIn, random), true);
        this.kernel = kernel;
        this.padding = padding;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        NDArray y = convolve(x, weight.value(), bias.value(), padding);
        return new Applied(y, v -> {
            NDArray flipped = Scope.own(weight.value().transpose(1, 0, 2, 3), v.getManager()).flip(2, 3);
            return convolve(v, flipped, null, kernel - 1 - padding);
        });
    }

    public int kernel() {
        return kernel;
    }

    public int padding() {
        return padding;
    }

    private static NDArray convolve(NDArray x, NDArray w, NDArray b, int pad) {
        Shape one = new Shape(1, 1);
        return x.getNDArrayInternal().convolution(x, w, b, one, new Shape(pad, pad), one, 1).singletonOrThrow();
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
