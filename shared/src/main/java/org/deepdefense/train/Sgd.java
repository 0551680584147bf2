package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Parameter;
import org.deepdefense.nn.Scope;

/**
 * SGD with momentum and L2 weight decay, with PyTorch's semantics (g ← ∇ + wd·θ; b ← μ·b + g, b₀ = g; θ ← θ − lr·b).
 * Updates happen outside the gradient collector (PyTorch forbids in-place changes of leaves while recording) and
 * reset each gradient to zero, since DJL accumulates gradients across backward calls.
 */
public final class Sgd implements AutoCloseable {
    private final double momentum;
    private final double weightDecay;
    private final NDManager buffers;
    /**
     * Global gradient-norm bound. Measured norms are below 1 for vanilla and Deep Defense steps on MLPs (0-255
     * inputs), so the bound only ever touches outliers.
     */
    static final double MAX_GRADIENT_NORM = 100;

    private final Map<String, NDArray> velocity = new HashMap<>();

    public Sgd(double momentum, double weightDecay, NDManager parent) {
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("need 0 <= momentum < 1 and weightDecay >= 0, got " + momentum
                    + " and " + weightDecay);
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.buffers = parent.newSubManager();
    }

    /** What {@link #step} did: applied the update, applied it clipped to {@link #MAX_GRADIENT_NORM}, or skipped it. */
    public enum Update {
        APPLIED,
        CLIPPED,
        SKIPPED;

        public boolean applied() {
            return this != SKIPPED;
        }
    }

    /**
     * One update of every trainable parameter but the {@code frozen} ones from its accumulated gradient; temporaries
     * go to {@code step}. Frozen parameters get no update and no weight decay, their gradients do not count in the
     * norm and are discarded.
     * A rare batch can drive the unrolled DeepFool through a nearly vanishing boundary normal (r ∝ 1/‖w‖²): if the
     * gradient is not finite the whole update is skipped (as loss scalers do) rather than writing NaN into the
     * weights, and a finite but exploding one is clipped to {@link #MAX_GRADIENT_NORM}, as usual for recurrent
     * networks. Gradients are reset to zero either way.
     */
    public Update step(List<Parameter> parameters, List<Parameter> frozen, double learningRate, NDManager step) {
        // By name: a record's equals would compare the NDArrays.
        Set<String> frozenNames = frozen.stream().map(Parameter::name).collect(Collectors.toSet());
        List<Parameter> trainable = parameters.stream()
                .filter(p -> p.trainable() && !frozenNames.contains(p.name())).toList();
        List<NDArray> gradients = trainable.stream().map(p -> Scope.own(p.value().getGradient(), step)).toList();
        // One transfer for the whole norm, not one per parameter: each is a device synchronisation on a GPU.
        NDArray squaredSum = null;
        for (NDArray g : gradients) {
            NDArray squared = g.square().sum();
            squaredSum = squaredSum == null ? squared : squaredSum.add(squared);
        }
        double squaredNorm = squaredSum == null ? 0 : HostTransfers.scalar(squaredSum);
        boolean apply = Double.isFinite(squaredNorm);
        double norm = Math.sqrt(squaredNorm);
        float clip = norm > MAX_GRADIENT_NORM ? (float) (MAX_GRADIENT_NORM / norm) : 1f;
        for (int i = 0; apply && i < trainable.size(); i++) {
            Parameter p = trainable.get(i);
            NDArray gradient = clip == 1f ? gradients.get(i) : gradients.get(i).mul(clip);
            NDArray g = weightDecay == 0 ? gradient
                    : gradient.add(Scope.own(p.value().mul((float) weightDecay), step));
            NDArray update = momentum == 0 ? g : accumulate(p.name(), g);
            p.value().subi(Scope.own(update.mul((float) learningRate), step));
        }
        // Overwritten, not multiplied by 0: inf·0 = NaN would keep a skipped step's gradient alive in every later
        // step (DJL accumulates into .grad), and one bad batch would look like a diverged run.
        gradients.forEach(g -> g.set(new NDIndex("..."), 0));
        frozen.forEach(p -> Scope.own(p.value().getGradient(), step).set(new NDIndex("..."), 0));
        return !apply ? Update.SKIPPED : clip == 1f ? Update.APPLIED : Update.CLIPPED;
    }

    private NDArray accumulate(String name, NDArray g) {
        NDArray v = velocity.get(name);
        if (v == null) {
            v = Scope.own(g.duplicate(), buffers);
            velocity.put(name, v);
        } else {
            v.muli((float) momentum).addi(g);
        }
        return v;
    }

    /** Momentum buffers by parameter name, for checkpoints (empty before the first step). */
    public Map<String, float[]> state() {
        Map<String, float[]> state = new LinkedHashMap<>();
        velocity.forEach((name, v) -> state.put(name, v.toFloatArray()));
        return state;
    }

    /** Restores momentum buffers saved by {@link #state()} for the given parameters. */
    public void load(Map<String, float[]> state, List<Parameter> parameters) {
        for (Parameter p : parameters) {
            float[] values = state.get(p.name());
            if (values != null) {
                if (values.length != p.value().size()) {
                    throw new IllegalArgumentException("momentum buffer '" + p.name() + "' has " + values.length
                            + " values, parameter has " + p.value().size());
                }
                NDArray previous = velocity.put(p.name(), buffers.create(values, p.value().getShape()));
                if (previous != null) {
                    previous.close();
                }
            }
        }
    }

    @Override
    public void close() {
        buffers.close();
    }
}
