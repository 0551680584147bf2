package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** A feed-forward classifier made of {@link Layer}s; owns its parameters through its own NDManager. */
public final class Network implements AutoCloseable {
    private final Architecture architecture;
    private final Shape inputShape;
    private final int numClasses;
    private final NDManager manager;
    private final List<Layer> layers;
    private final List<Parameter> parameters;

    Network(Architecture architecture, Shape inputShape, int numClasses, NDManager manager, List<Layer> layers) {
        this.architecture = architecture;
        this.inputShape = inputShape;
        this.numClasses = numClasses;
        this.manager = manager;
        this.layers = List.copyOf(layers);
        List<Parameter> all = new ArrayList<>();
        layers.forEach(l -> all.addAll(l.parameters()));
        this.parameters = Collections.unmodifiableList(all);
    }

    /** A freshly initialised network; its parameters live in a sub-manager of {@code parent}. */
    public static Network create(Architecture architecture, int channels, int height, int width, int numClasses,
            long seed, NDManager parent) {
        NDManager manager = parent.newSubManager();
        try {
            List<Layer> layers = architecture.layers(channels, height, width, numClasses, manager, seed);
            return new Network(architecture, new Shape(channels, height, width), numClasses, manager, layers);
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    public Architecture architecture() {
        return architecture;
    }

    /** (C, H, W). */
    public Shape inputShape() {
        return inputShape;
    }

    public int numClasses() {
        return numClasses;
    }

    public NDManager manager() {
        return manager;
    }

    public List<Parameter> parameters() {
        return parameters;
    }

    /** The trainable parameters a training step in {@code mode} leaves unchanged (see {@link Layer#frozenIn}). */
    public List<Parameter> frozenIn(Mode mode) {
        List<Parameter> frozen = new ArrayList<>();
        layers.forEach(l -> frozen.addAll(l.frozenIn(mode)));
        return frozen;
    }

    /** The layers in forward order, for exporters that describe the network to another runtime. */
    public List<Layer> layers() {
        return layers;
    }

    /** x of shape (N, C, H, W) or (N, C·H·W). */
    public ForwardPass forward(NDArray x, Mode mode) {
        NDArray input = x.reshape(new Shape(-1).addAll(inputShape));
        NDArray v = input;
        List<UnaryOperator<NDArray>> inputGradients = new ArrayList<>(layers.size());
        for (Layer layer : layers) {
            Layer.Applied applied = layer.forward(v, mode);
            v = applied.output();
            inputGradients.add(applied.inputGradient());
        }
        return new ForwardPass(this, input, mode, v, inputGradients);
    }

    /** Logits of x in EVAL mode. */
    public NDArray logits(NDArray x) {
        return forward(x, Mode.EVAL).logits();
    }

    /** Parameter values by state_dict name, copied to Java arrays (PyTorch layouts). */
    public Map<String, float[]> stateDict() {
        Map<String, float[]> state = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            state.put(p.name(), p.value().toFloatArray());
        }
        return state;
    }

    /** Shapes by state_dict name. */
    public Map<String, long[]> stateShapes() {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Parameter p : parameters) {
            shapes.put(p.name(), p.value().getShape().getShape());
        }
        return shapes;
    }

    /** Overwrites every parameter from {@code state}; names and sizes must match exactly. */
    public void loadStateDict(Map<String, float[]> state) {
        for (Parameter p : parameters) {
            float[] values = state.get(p.name());
            if (values == null) {
                throw new IllegalArgumentException("state has no tensor '" + p.name() + "' for " + architecture.id());
            }
            if (values.length != p.value().size()) {
                throw new IllegalArgumentException("tensor '" + p.name() + "' has " + values.length
                        + " values, " + architecture.id() + " needs " + p.value().getShape());
            }
            p.value().set(values);
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
