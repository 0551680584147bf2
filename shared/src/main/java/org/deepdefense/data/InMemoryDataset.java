package org.deepdefense.data;

import java.util.Objects;

/**
 * A dataset held in memory: images stored raw (pixel values 0..255 as float), NCHW per sample, flattened. The
 * arrays are shared, not copied (a CIFAR-10 training set is 600 MB of floats), so treat them as read-only.
 */
public record InMemoryDataset(String name, float[] images, int[] labels, int channels, int height, int width,
        int numClasses) implements Dataset {

    public InMemoryDataset {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(images, "images");
        Objects.requireNonNull(labels, "labels");
        if (channels <= 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException(name + ": sample shape must be positive, got "
                    + channels + "x" + height + "x" + width);
        }
        if (numClasses <= 0) {
            throw new IllegalArgumentException(name + ": numClasses must be positive, got " + numClasses);
        }
        long expected = (long) labels.length * channels * height * width;
        if (images.length != expected) {
            throw new IllegalArgumentException(name + ": " + labels.length + " labels of " + channels + "x" + height
                    + "x" + width + " need " + expected + " image values, got " + images.length);
        }
        int bad = invalidLabelIndex(labels, 0, labels.length, numClasses);
        if (bad >= 0) {
            throw new IllegalArgumentException(name + ": label " + labels[bad] + " at index " + bad
                    + " is outside [0, " + numClasses + ")");
        }
    }

    @Override
    public float[] pixels(int[] indices) {
        int features = featureSize();
        float[] out = new float[indices.length * features];
        for (int i = 0; i < indices.length; i++) {
            System.arraycopy(images, Objects.checkIndex(indices[i], size()) * features, out, i * features, features);
        }
        return out;
    }

    @Override
    public InMemoryDataset select(int[] indices) {
        int[] selectedLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            selectedLabels[i] = labels[Objects.checkIndex(indices[i], size())];
        }
        return new InMemoryDataset(name, pixels(indices), selectedLabels, channels, height, width, numClasses);
    }

    /** Index of the first label in [from, to) outside [0, numClasses), or -1; readers use it to name the bad file. */
    static int invalidLabelIndex(int[] labels, int from, int to, int numClasses) {
        for (int i = from; i < to; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                return i;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + size() + " x " + channels + "x" + height + "x" + width + ", "
                + numClasses + " classes]";
    }
}
