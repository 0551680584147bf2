package org.deepdefense.data;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Labelled images of one shape, read by index: the trainer, the evaluator and the preprocessor ask for the pixels
 * of a batch at a time, so an implementation may hold everything in memory ({@link InMemoryDataset}) or decode
 * files on demand ({@link ImageFolderDataset}). Pixels are raw 0..255 values as float, CHW per sample.
 */
public interface Dataset {
    String name();

    /** One label per sample, shared rather than copied: treat as read-only. */
    int[] labels();

    int channels();

    int height();

    int width();

    int numClasses();

    /** The raw pixels of the samples at the given indices, in that order: indices.length × featureSize() floats. */
    float[] pixels(int[] indices);

    /** The samples at the given indices, in that order (repeats allowed). */
    Dataset select(int[] indices);

    /**
     * How images were brought to this shape before any {@link Preprocessor} sees them, for the checkpoint's record;
     * null when the samples are the files' pixels as they are.
     */
    default String preparation() {
        return null;
    }

    default int size() {
        return labels().length;
    }

    /** Values per sample: C*H*W. */
    default int featureSize() {
        return channels() * height() * width();
    }

    /** The raw pixels of the samples from (inclusive) to to (exclusive). */
    default float[] pixels(int from, int to) {
        Objects.checkFromToIndex(from, to, size());
        return pixels(IntStream.range(from, to).toArray());
    }

    /** The first n samples. */
    default Dataset head(int n) {
        if (n < 0 || n > size()) {
            throw new IllegalArgumentException(name() + ": head(" + n + ") outside [0, " + size() + "]");
        }
        return select(IntStream.range(0, n).toArray());
    }

    /**
     * Deterministic split off the END of a seeded permutation: returns [rest, holdout] e.g. for a
     * validation split. Both keep the permuted order; the same seed always gives the same split.
     */
    default Dataset[] splitHoldout(int holdoutSize, long seed) {
        if (holdoutSize < 0 || holdoutSize > size()) {
            throw new IllegalArgumentException(name() + ": holdout of " + holdoutSize + " outside [0, " + size() + "]");
        }
        int[] order = EpochOrder.shuffled(size(), new SplittableRandom(seed));
        int cut = size() - holdoutSize;
        return new Dataset[] {
            select(Arrays.copyOfRange(order, 0, cut)), select(Arrays.copyOfRange(order, cut, order.length))
        };
    }
}
