package org.deepdefense.checkpoint;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named float32 tensor in row-major (C) order, PyTorch layout. The arrays are shared, not copied:
 * parameter tensors can be large and are handed straight from and to the training engine.
 */
public record NamedTensor(String name, long[] shape, float[] data) {

    public NamedTensor {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must not be empty");
        }
        Objects.requireNonNull(shape, () -> "shape of tensor '" + name + "'");
        Objects.requireNonNull(data, () -> "data of tensor '" + name + "'");
        int count = elementCount(shape);
        if (count != data.length) {
            throw new IllegalArgumentException("tensor '" + name + "' has shape " + Arrays.toString(shape)
                    + " (" + count + " elements) but " + data.length + " values");
        }
    }

    /**
     * Product of the dimensions; fails on negative dimensions and on counts no Java array can hold.
     */
    static int elementCount(long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            // Saturate just past the array limit instead of overflowing, so a later 0 still yields 0.
            count = dim != 0 && count > Integer.MAX_VALUE / dim ? Integer.MAX_VALUE + 1L : count * dim;
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has too many elements");
        }
        return (int) count;
    }

    // Records compare arrays by identity; tensors are values, so compare contents.
    @Override
    public boolean equals(Object o) {
        return o instanceof NamedTensor t && name.equals(t.name)
                && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, Arrays.hashCode(shape), Arrays.hashCode(data));
    }

    @Override
    public String toString() {
        return "NamedTensor[" + name + " " + Arrays.toString(shape) + "]";
    }
}
