package org.deepdefense.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Images stored raw (pixel values 0..255 as float), NCHW per sample, flattened. The arrays are shared,
 * not copied (a CIFAR-10 training set is 600 MB of floats), so treat them as read-only.
 */
public record Dataset(String name, float[] images, int[] labels, int channels, int height, int width, int numClasses) {

    public Dataset {
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

    /** Index of the first label in [from, to) outside [0, numClasses), or -1; readers use it to name the bad file. */
    static int invalidLabelIndex(int[] labels, int from, int to, int numClasses) {
        for (int i = from; i < to; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                return i;
            }
        }
        return -1;
    }

    public int size() {
        return labels.length;
    }

    /** Values per sample: C*H*W. */
    public int featureSize() {
        return channels * height * width;
    }

    /** The first n samples. */
    public Dataset head(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException(name + ": head(" + n + ") outside [0, " + size() + "]");
        }
        return new Dataset(name, Arrays.copyOf(images, n * featureSize()), Arrays.copyOf(labels, n),
                channels, height, width, numClasses);
    }

    /** The samples at the given indices, in that order (repeats allowed). */
    public Dataset select(int[] indices) {
        int features = featureSize();
        float[] outImages = new float[indices.length * features];
        int[] outLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            int source = Objects.checkIndex(indices[i], size());
            System.arraycopy(images, source * features, outImages, i * features, features);
            outLabels[i] = labels[source];
        }
        return new Dataset(name, outImages, outLabels, channels, height, width, numClasses);
    }

    /**
     * Deterministic split off the END of a seeded permutation: returns [rest, holdout] e.g. for a
     * validation split. Both keep the permuted order; the same seed always gives the same split.
     */
    public Dataset[] splitHoldout(int holdoutSize, long seed) {
        if (holdoutSize < 0 || holdoutSize > size()) {
            throw new IllegalArgumentException(name + ": holdout of " + holdoutSize + " outside [0, " + size() + "]");
        }
        int[] order = EpochOrder.shuffled(size(), new SplittableRandom(seed));
        int cut = size() - holdoutSize;
        return new Dataset[] {
            select(Arrays.copyOfRange(order, 0, cut)), select(Arrays.copyOfRange(order, cut, order.length))
        };
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + size() + " x " + channels + "x" + height + "x" + width + ", "
                + numClasses + " classes]";
    }
}
