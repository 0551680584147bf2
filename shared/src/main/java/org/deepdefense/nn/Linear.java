package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.SplittableRandom;

/** y = x·Wᵀ + b with W of shape (out, in), as torch.nn.Linear. Its input gradient is v·W. */
public final class Linear implements Layer {
    private final Parameter weight;
    private final Parameter bias;

    Linear(String name, int in, int out, NDManager manager, SplittableRandom random) {
        this.weight = new Parameter(name + ".weight", Init.uniformFanIn(manager, new Shape(out, in), in, random), true);
        this.bias = new Parameter(name + ".bias", Init.uniformFanIn(manager, new Shape(out), in, random), true);
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        NDArray y = ai.djl.nn.core.Linear.linear(x, weight.value(), bias.value()).singletonOrThrow();
        return new Applied(y, v -> v.matMul(weight.value()));
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(weight, bias);
    }
}
