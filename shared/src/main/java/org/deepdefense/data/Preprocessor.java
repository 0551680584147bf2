package org.deepdefense.data;

import java.util.Objects;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * The input transform fitted on a training set ({@link Preprocessing}): per-pixel training-mean subtraction (the
 * official MNIST preprocessing), optionally followed by contrast normalisation and ZCA whitening (the official
 * CIFAR-10 preprocessing). Models see, and rho2 and attack budgets are measured in, the transformed space.
 */
public final class Preprocessor {
    /** Samples read at a time while summing the training set. */
    private static final int MEAN_CHUNK = 256;

    private final float[] mean;
    private final int channels;
    private final int height;
    private final int width;
    /** Null for plain mean subtraction. */
    private final ContrastWhitening whitening;

    private Preprocessor(float[] mean, int channels, int height, int width, ContrastWhitening whitening) {
        this.mean = mean;
        this.channels = channels;
        this.height = height;
        this.width = width;
        this.whitening = whitening;
    }

    /** Fits the given preprocessing on the training set. */
    public static Preprocessor fit(Preprocessing kind, Dataset train) {
        Preprocessor centring = meanSubtraction(train);
        return switch (kind) {
            case MEAN_SUBTRACTION -> centring;
            case OFFICIAL_CIFAR -> centring.followedBy(ContrastWhitening.fit(train, centring.mean));
        };
    }

    public static Preprocessor meanSubtraction(Dataset train) {
        if (train.size() == 0) {
            throw new IllegalArgumentException(train.name() + ": cannot compute a mean over an empty training set");
        }
        int features = train.featureSize();
        // Sum in double: 60000 float additions of values up to 255 would lose several digits. Read in chunks, so a
        // dataset that decodes files on demand never has to hold all of its pixels.
        double[] sum = new double[features];
        for (int from = 0; from < train.size(); from += MEAN_CHUNK) {
            int to = Math.min(train.size(), from + MEAN_CHUNK);
            float[] chunk = train.pixels(from, to);
            for (int sample = 0; sample < to - from; sample++) {
                int base = sample * features;
                for (int f = 0; f < features; f++) {
                    sum[f] += chunk[base + f];
                }
            }
        }
        float[] mean = new float[features];
        for (int f = 0; f < features; f++) {
            mean[f] = (float) (sum[f] / train.size());
        }
        return new Preprocessor(mean, train.channels(), train.height(), train.width(), null);
    }

    /** Rebuilds a preprocessor from a stored mean, e.g. from a checkpoint. */
    public static Preprocessor fromMean(float[] mean, int channels, int height, int width) {
        if (channels <= 0 || height <= 0 || width <= 0 || mean.length != channels * height * width) {
            throw new IllegalArgumentException("mean of length " + mean.length + " does not fit the shape "
                    + channels + "x" + height + "x" + width);
        }
        return new Preprocessor(mean.clone(), channels, height, width, null);
    }

    /** This mean subtraction followed by stored contrast normalisation and whitening (official-cifar). */
    public Preprocessor followedBy(ContrastWhitening contrastWhitening) {
        if (whitening != null || contrastWhitening.features() != mean.length) {
            throw new IllegalArgumentException("whitening for " + contrastWhitening.features()
                    + " features cannot follow a " + kind().id() + " of " + mean.length + " features");
        }
        return new Preprocessor(mean, channels, height, width, contrastWhitening);
    }

    public Preprocessing kind() {
        return whitening == null ? Preprocessing.MEAN_SUBTRACTION : Preprocessing.OFFICIAL_CIFAR;
    }

    /** The contrast normalisation and whitening after mean subtraction, if this preprocessing has them. */
    public Optional<ContrastWhitening> whitening() {
        return Optional.ofNullable(whitening);
    }

    /** A copy of the per-pixel mean, CHW-flattened. */
    public float[] mean() {
        return mean.clone();
    }

    public int channels() {
        return channels;
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    /** The preprocessed samples at the given indices, in that order: indices.length * featureSize floats. */
    public float[] apply(Dataset d, int[] indices) {
        if (d.channels() != channels || d.height() != height || d.width() != width) {
            throw new IllegalArgumentException(d.name() + " samples are " + d.channels() + "x" + d.height() + "x"
                    + d.width() + " but the preprocessor was fitted to " + channels + "x" + height + "x" + width);
        }
        float[] out = d.pixels(indices);
        for (int at = 0; at < out.length; at += mean.length) {
            for (int f = 0; f < mean.length; f++) {
                out[at + f] -= mean[f];
            }
        }
        if (whitening != null) {
            whitening.apply(out, indices.length);
        }
        return out;
    }

    /** The preprocessed samples from (inclusive) to to (exclusive). */
    public float[] apply(Dataset d, int from, int to) {
        Objects.checkFromToIndex(from, to, d.size());
        return apply(d, IntStream.range(from, to).toArray());
    }

    /** One line for reports, naming the space rho2 is measured in. */
    public String describe() {
        return whitening == null
                ? "raw 0-255 pixels minus per-pixel training mean; rho2 measured in this space"
                : "raw 0-255 pixels minus per-pixel training mean, per-image contrast normalisation and ZCA"
                        + " whitening fitted on the training set (official CIFAR-10 recipe); rho2 measured in the"
                        + " whitened space";
    }
}
