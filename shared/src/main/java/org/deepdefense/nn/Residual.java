package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * branch(x) + shortcut(x), the sum in a residual block (ResNet's BasicBlock before its last ReLU); an empty
 * shortcut is the identity. The input gradient of a sum is the sum of the branches' input gradients, each the
 * composition of its layers' own maps, so it shares their parameters like any other layer.
 */
public final class Residual implements Layer {
    private final List<Layer> branch;
    private final List<Layer> shortcut;

    Residual(List<Layer> branch, List<Layer> shortcut) {
        this.branch = List.copyOf(branch);
        this.shortcut = List.copyOf(shortcut);
    }

    public List<Layer> branch() {
        return branch;
    }

    public List<Layer> shortcut() {
        return shortcut;
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        Applied main = chain(branch, x, mode);
        Applied skip = chain(shortcut, x, mode);
        return new Applied(main.output().add(skip.output()),
                v -> main.inputGradient().apply(v).add(skip.inputGradient().apply(v)));
    }

    /** The layers applied in order, with their input gradients composed in reverse. */
    private static Applied chain(List<Layer> layers, NDArray x, Mode mode) {
        List<UnaryOperator<NDArray>> gradients = new ArrayList<>(layers.size());
        NDArray v = x;
        for (Layer layer : layers) {
            Applied applied = layer.forward(v, mode);
            v = applied.output();
            gradients.add(applied.inputGradient());
        }
        return new Applied(v, seed -> {
            NDArray g = seed;
            for (int i = gradients.size() - 1; i >= 0; i--) {
                g = gradients.get(i).apply(g);
            }
            return g;
        });
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>();
        branch.forEach(l -> all.addAll(l.parameters()));
        shortcut.forEach(l -> all.addAll(l.parameters()));
        return all;
    }

    @Override
    public List<Parameter> frozenIn(Mode mode) {
        List<Parameter> frozen = new ArrayList<>();
        branch.forEach(l -> frozen.addAll(l.frozenIn(mode)));
        shortcut.forEach(l -> frozen.addAll(l.frozenIn(mode)));
        return frozen;
    }
}
