package org.deepdefense.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.data.ContrastWhitening;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;

/**
 * Saves a network with its preprocessing (and optionally its optimizer state) to a {@link CheckpointStore} and
 * loads it back. Parameters keep their PyTorch state_dict names and layouts; the training mean is stored as
 * {@code input_mean} (C, H, W), official-cifar's contrast scale and whitening matrix as {@code input_contrast_scale}
 * (1) and {@code input_whitening} (C·H·W, C·H·W), and SGD momentum buffers as {@code optimizer.momentum.<parameter>}.
 */
public final class ModelCheckpoints {
    public static final String MOMENTUM_PREFIX = "optimizer.momentum.";

    private ModelCheckpoints() {}

    /** The tensors of a checkpoint: parameters, input mean, and momentum buffers when {@code optimizer} is given. */
    public static List<NamedTensor> tensors(Network network, Preprocessor preprocessor, Sgd optimizer) {
        List<NamedTensor> tensors = new ArrayList<>();
        Map<String, long[]> shapes = network.stateShapes();
        network.stateDict().forEach((name, values) -> tensors.add(new NamedTensor(name, shapes.get(name), values)));
        tensors.addAll(preprocessorTensors(preprocessor));
        if (optimizer != null) {
            optimizer.state().forEach((name, values) ->
                    tensors.add(new NamedTensor(MOMENTUM_PREFIX + name, shapes.get(name), values)));
        }
        return tensors;
    }

    /** The tensors that hold a fitted preprocessor. */
    public static List<NamedTensor> preprocessorTensors(Preprocessor preprocessor) {
        List<NamedTensor> tensors = new ArrayList<>();
        tensors.add(new NamedTensor(Checkpoint.INPUT_MEAN_TENSOR,
                new long[] {preprocessor.channels(), preprocessor.height(), preprocessor.width()}, preprocessor.mean()));
        preprocessor.whitening().ifPresent(whitening -> {
            long features = whitening.features();
            tensors.add(new NamedTensor(Checkpoint.INPUT_CONTRAST_SCALE_TENSOR, new long[] {1},
                    new float[] {whitening.contrastScale()}));
            tensors.add(new NamedTensor(Checkpoint.INPUT_WHITENING_TENSOR, new long[] {features, features},
                    whitening.matrix()));
        });
        return tensors;
    }

    /**
     * The preprocessor of the given kind rebuilt from its tensors (those {@link #preprocessorTensors} writes);
     * an IllegalArgumentException names the first one missing.
     */
    public static Preprocessor preprocessor(Preprocessing kind, Map<String, NamedTensor> tensors, int[] shape) {
        Preprocessor centring = Preprocessor.fromMean(required(tensors, Checkpoint.INPUT_MEAN_TENSOR, kind).data(),
                shape[0], shape[1], shape[2]);
        return switch (kind) {
            case MEAN_SUBTRACTION -> centring;
            case OFFICIAL_CIFAR -> centring.followedBy(ContrastWhitening.of(
                    required(tensors, Checkpoint.INPUT_CONTRAST_SCALE_TENSOR, kind).data()[0],
                    required(tensors, Checkpoint.INPUT_WHITENING_TENSOR, kind).data(), shape[0] * shape[1] * shape[2]));
        };
    }

    private static NamedTensor required(Map<String, NamedTensor> tensors, String name, Preprocessing kind) {
        NamedTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException(kind.id() + " preprocessing needs the tensor '" + name
                    + "', which is missing");
        }
        return tensor;
    }

    public static CheckpointMetadata save(CheckpointStore store, String key, Network network,
            Preprocessor preprocessor, Sgd optimizer, CheckpointMetadata metadata) throws IOException {
        return store.save(key, tensors(network, preprocessor, optimizer), metadata);
    }

    /** A network restored from a checkpoint; closing it frees the network. */
    public record Loaded(Checkpoint checkpoint, Network network, Preprocessor preprocessor) implements AutoCloseable {
        @Override
        public void close() {
            network.close();
        }

        /** Restores the momentum buffers saved with the checkpoint, if any. */
        public void restoreOptimizer(Sgd optimizer) {
            Map<String, float[]> momentum = new LinkedHashMap<>();
            checkpoint.tensors().forEach((name, tensor) -> {
                if (name.startsWith(MOMENTUM_PREFIX)) {
                    momentum.put(name.substring(MOMENTUM_PREFIX.length()), tensor.data());
                }
            });
            optimizer.load(momentum, network.parameters());
        }
    }

    /** Loads and verifies (SHA-256 before parsing) a checkpoint and rebuilds its network in a sub-manager of parent. */
    public static Loaded load(CheckpointStore store, String key, String expectedSha256, NDManager parent)
            throws IOException {
        Checkpoint checkpoint = store.load(key, expectedSha256);
        CheckpointMetadata meta = checkpoint.metadata();
        int[] shape = meta.inputShape();
        Network network = Network.create(Architecture.parse(meta.architecture()), shape[0], shape[1], shape[2],
                meta.numClasses(), meta.seed(), parent);
        try {
            Map<String, float[]> state = new LinkedHashMap<>();
            checkpoint.tensors().forEach((name, tensor) -> state.put(name, tensor.data()));
            network.loadStateDict(state);
        } catch (RuntimeException e) {
            network.close();
            throw new IOException("checkpoint '" + key + "' does not fit " + meta.architecture() + ": " + e.getMessage(), e);
        }
        try {
            Preprocessor preprocessor = preprocessor(Preprocessing.ofRecorded(meta.preprocessing()), checkpoint.tensors(),
                    shape);
            return new Loaded(checkpoint, network, preprocessor);
        } catch (RuntimeException e) {
            network.close();
            throw new IOException("checkpoint '" + key + "': " + e.getMessage(), e);
        }
    }

    /** What `export --format npz` writes: the parameters under their state_dict names plus the preprocessing tensors. */
    public static List<NamedTensor> exportTensors(Checkpoint checkpoint) {
        List<NamedTensor> tensors = new ArrayList<>();
        checkpoint.tensors().forEach((name, tensor) -> {
            if (!name.startsWith(MOMENTUM_PREFIX)) {
                tensors.add(tensor);
            }
        });
        return tensors;
    }
}
