package org.deepdefense.checkpoint;

import java.util.LinkedHashMap;
import java.util.NoSuchElementException;
import java.util.Objects;

/** A loaded checkpoint: its store key, metadata and parameter tensors in file order. */
public record Checkpoint(String key, CheckpointMetadata metadata, LinkedHashMap<String, NamedTensor> tensors) {

    /** Name of the per-pixel input mean tensor when preprocessing is mean subtraction. */
    public static final String INPUT_MEAN_TENSOR = "input_mean";

    public Checkpoint {
        CheckpointStore.requireValidKey(key);
        Objects.requireNonNull(metadata, "metadata");
        Objects.requireNonNull(tensors, "tensors");
    }

    public NamedTensor tensor(String name) {
        NamedTensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new NoSuchElementException(
                    "checkpoint '" + key + "' has no tensor '" + name + "'; it has " + tensors.keySet());
        }
        return tensor;
    }
}
