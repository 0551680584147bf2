package org.deepdefense.checkpoint;

import java.util.LinkedHashMap;
import java.util.NoSuchElementException;
import java.util.Objects;

/** A loaded checkpoint: its store key, metadata and parameter tensors in file order. */
public record Checkpoint(String key, CheckpointMetadata metadata, LinkedHashMap<String, NamedTensor> tensors) {

    /** Name of the per-pixel input mean tensor (every preprocessing starts with mean subtraction). */
    public static final String INPUT_MEAN_TENSOR = "input_mean";
    /** Shape (1): the training set's mean per-image standard deviation, when preprocessing is official-cifar. */
    public static final String INPUT_CONTRAST_SCALE_TENSOR = "input_contrast_scale";
    /** Shape (C·H·W, C·H·W): the symmetric ZCA whitening matrix, when preprocessing is official-cifar. */
    public static final String INPUT_WHITENING_TENSOR = "input_whitening";

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
