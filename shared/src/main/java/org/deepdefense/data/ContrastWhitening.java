package org.deepdefense.data;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.deepdefense.util.ParallelLoops;
import org.deepdefense.util.SymmetricEigen;

/**
 * The two steps MatConvNet's CIFAR-10 recipe (cnn_cifar.m, getCifarImdb; the data the Deep Defense authors used)
 * applies after per-pixel mean subtraction, fitted on the training set:
 * <ol>
 *   <li>contrast normalisation per image: subtract the image's own mean, then multiply by
 *       {@code s / max(std, 40)}, where std is the image's standard deviation (n − 1 normalised, as MATLAB's
 *       {@code std}) and {@code s} the mean of those standard deviations over the training set;</li>
 *   <li>ZCA whitening: {@code z = V·diag(en / max(√d, 10))·Vᵀ·y}, where (d, V) is the eigendecomposition of the
 *       training images' second-moment matrix {@code Σ yyᵀ / N} and {@code en = √mean(d)}.</li>
 * </ol>
 * Two deliberate differences: the official code averages the standard deviations over all 60,000 images and
 * divides the second-moment matrix by 60,000 although it sums only the 50,000 training images; here both use
 * the training images alone, so nothing is fitted on test data.
 */
public final class ContrastWhitening {
    /** Standard deviations below this are not amplified (the official constant, in 0–255 pixel units). */
    static final double CONTRAST_FLOOR = 40;
    /** Directions whose standard deviation √d is below this are scaled as if it were this (the official constant). */
    static final double EIGEN_FLOOR = 10;
    /** Samples per block when accumulating second moments: keeps a block and a matrix row in cache. */
    private static final int SAMPLE_BLOCK = 64;
    /** Matrix rows per block when building or applying the whitening matrix. */
    private static final int ROW_BLOCK = 32;
    /** Samples per task when applying the transform: each block of matrix rows is read once per group. */
    private static final int APPLY_GROUP = 16;

    private final int features;
    private final float contrastScale;
    private final float[] matrix;

    private ContrastWhitening(int features, float contrastScale, float[] matrix) {
        this.features = features;
        this.contrastScale = contrastScale;
        this.matrix = matrix;
    }

    /** Rebuilds the transform from stored values, e.g. from a checkpoint; matrix is features×features, row-major. */
    public static ContrastWhitening of(float contrastScale, float[] matrix, int features) {
        if (features <= 0 || matrix.length != (long) features * features) {
            throw new IllegalArgumentException("whitening matrix of " + matrix.length + " values is not "
                    + features + "x" + features);
        }
        if (!(contrastScale > 0) || !Float.isFinite(contrastScale)) {
            throw new IllegalArgumentException("contrast scale must be positive and finite, got " + contrastScale);
        }
        for (float value : matrix) {
            if (!Float.isFinite(value)) {
                throw new IllegalArgumentException("whitening matrix holds " + value);
            }
        }
        return new ContrastWhitening(features, contrastScale, matrix.clone());
    }

    /** Fits both steps on the training images minus the per-pixel training mean. */
    public static ContrastWhitening fit(Dataset train, float[] mean) {
        int features = train.featureSize();
        int n = train.size();
        if (n < 2 || mean.length != features) {
            throw new IllegalArgumentException(train.name() + ": contrast normalisation and whitening need at least"
                    + " 2 training images and a mean of " + features + " values");
        }
        double stdSum = 0;
        double[] y = new double[features];
        for (int sample = 0; sample < n; sample++) {
            stdSum += centred(train.pixels(sample, sample + 1), 0, mean, y);
        }
        double contrastScale = stdSum / n;
        SymmetricEigen.Decomposition moments = n >= features
                ? SymmetricEigen.of(secondMoments(train, mean, contrastScale))
                : viaImageGram(train, mean, contrastScale);
        return new ContrastWhitening(features, (float) contrastScale, whiteningMatrix(moments, features));
    }

    public int features() {
        return features;
    }

    /** The training set's mean per-image standard deviation, {@code s} above. */
    public float contrastScale() {
        return contrastScale;
    }

    /** A copy of the symmetric whitening matrix, row-major. */
    public float[] matrix() {
        return matrix.clone();
    }

    /** Transforms {@code count} mean-subtracted samples (count × features, in place). */
    void apply(float[] rows, int count) {
        double[] y = new double[features];
        for (int s = 0; s < count; s++) {
            int base = s * features;
            double std = centre(rows, base, y);
            double factor = contrastScale / Math.max(std, CONTRAST_FLOOR);
            for (int f = 0; f < features; f++) {
                rows[base + f] = (float) (y[f] * factor);
            }
        }
        float[] whitened = new float[count * features];
        // The matrix is symmetric, so row k is also column k: z += y[k] · row k, blocked over rows for the cache;
        // groups of samples go to different threads.
        int groups = (count + APPLY_GROUP - 1) / APPLY_GROUP;
        ParallelLoops.forEach(0, groups, (long) count * features * features, group -> {
            int first = group * APPLY_GROUP;
            int last = Math.min(first + APPLY_GROUP, count);
            for (int k0 = 0; k0 < features; k0 += ROW_BLOCK) {
                int k1 = Math.min(k0 + ROW_BLOCK, features);
                for (int s = first; s < last; s++) {
                    int base = s * features;
                    for (int k = k0; k < k1; k++) {
                        float a = rows[base + k];
                        int row = k * features;
                        for (int j = 0; j < features; j++) {
                            whitened[base + j] += a * matrix[row + j];
                        }
                    }
                }
            }
        });
        System.arraycopy(whitened, 0, rows, 0, whitened.length);
    }

    /** Contrast-normalised sample into y; returns its standard deviation before scaling. */
    private static double centred(float[] images, int sample, float[] mean, double[] y) {
        int base = sample * mean.length;
        for (int f = 0; f < mean.length; f++) {
            y[f] = images[base + f] - mean[f];
        }
        return centre(y, y);
    }

    private static double centre(float[] rows, int base, double[] y) {
        for (int f = 0; f < y.length; f++) {
            y[f] = rows[base + f];
        }
        return centre(y, y);
    }

    /** Subtracts the mean of source into target; returns the (n − 1 normalised) standard deviation. */
    private static double centre(double[] source, double[] target) {
        double sum = 0;
        for (double v : source) {
            sum += v;
        }
        double mean = sum / source.length;
        double squares = 0;
        for (int f = 0; f < source.length; f++) {
            target[f] = source[f] - mean;
            squares += target[f] * target[f];
        }
        return Math.sqrt(squares / (source.length - 1));
    }

    private static void normalise(Dataset train, int sample, float[] mean, double contrastScale, double[] y) {
        double factor = contrastScale / Math.max(centred(train.pixels(sample, sample + 1), 0, mean, y), CONTRAST_FLOOR);
        for (int f = 0; f < y.length; f++) {
            y[f] *= factor;
        }
    }

    /** Σ yyᵀ / N over the contrast-normalised training images (features × features). */
    private static double[][] secondMoments(Dataset train, float[] mean, double contrastScale) {
        int features = mean.length;
        int n = train.size();
        double[][] moments = new double[features][features];
        double[][] block = new double[SAMPLE_BLOCK][features];
        for (int first = 0; first < n; first += SAMPLE_BLOCK) {
            int size = Math.min(SAMPLE_BLOCK, n - first);
            for (int s = 0; s < size; s++) {
                normalise(train, first + s, mean, contrastScale, block[s]);
            }
            ParallelLoops.forEach(0, features, (long) size * features * features / 2, i -> {
                double[] row = moments[i];
                for (int s = 0; s < size; s++) {
                    double[] y = block[s];
                    double a = y[i];
                    for (int j = 0; j <= i; j++) {
                        row[j] += a * y[j];
                    }
                }
            });
        }
        for (int i = 0; i < features; i++) {
            for (int j = 0; j <= i; j++) {
                moments[i][j] /= n;
                moments[j][i] = moments[i][j];
            }
        }
        return moments;
    }

    /**
     * With fewer images N than features the second-moment matrix YᵀY/N has rank below N; its nonzero eigenpairs
     * follow from the N×N matrix YYᵀ/N (eigenvector u gives Yᵀu / √(Nλ)), which is much cheaper to decompose.
     * The remaining eigenvalues are 0; they are returned as such with no vector, as {@link #whiteningMatrix}
     * scales them like every other direction under the floor.
     */
    private static SymmetricEigen.Decomposition viaImageGram(Dataset train, float[] mean, double contrastScale) {
        int n = train.size();
        int features = mean.length;
        double[][] images = new double[n][features];
        for (int s = 0; s < n; s++) {
            normalise(train, s, mean, contrastScale, images[s]);
        }
        double[][] gram = new double[n][n];
        ParallelLoops.forEach(0, n, (long) n * n * features / 2, i -> {
            for (int j = 0; j <= i; j++) {
                double dot = 0;
                for (int f = 0; f < features; f++) {
                    dot += images[i][f] * images[j][f];
                }
                gram[i][j] = dot / n;
            }
        });
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                gram[j][i] = gram[i][j];
            }
        }
        SymmetricEigen.Decomposition small = SymmetricEigen.of(gram);
        double[] values = new double[features];
        double[][] vectors = new double[features][];
        for (int k = 0; k < n; k++) {
            double value = small.values()[k];
            values[features - n + k] = value;
            if (value > EIGEN_FLOOR * EIGEN_FLOOR) {
                double[] v = new double[features];
                double norm = Math.sqrt(n * value);
                for (int i = 0; i < n; i++) {
                    double a = small.vectors()[k][i] / norm;
                    for (int f = 0; f < features; f++) {
                        v[f] += a * images[i][f];
                    }
                }
                vectors[features - n + k] = v;
            }
        }
        for (int k = 0; k < features - n; k++) {
            values[k] = 0;
        }
        return new SymmetricEigen.Decomposition(values, vectors);
    }

    /**
     * V·diag(en / max(√d, 10))·Vᵀ, written as c·I + Σ (g_k − c)·v_k·v_kᵀ with c = en / 10, so only the directions
     * above the floor need their eigenvector (Σ v_k·v_kᵀ = I).
     */
    private static float[] whiteningMatrix(SymmetricEigen.Decomposition moments, int features) {
        double trace = 0;
        for (double d : moments.values()) {
            trace += Math.max(d, 0);
        }
        double en = Math.sqrt(trace / features);
        double floorScale = en / EIGEN_FLOOR;
        List<double[]> retained = new ArrayList<>();
        List<Double> weights = new ArrayList<>();
        for (int k = 0; k < features; k++) {
            double d = moments.values()[k];
            if (d > EIGEN_FLOOR * EIGEN_FLOOR) {
                retained.add(Objects.requireNonNull(moments.vectors()[k], "eigenvector above the floor"));
                weights.add(en / Math.sqrt(d) - floorScale);
            }
        }
        double[][] w = new double[features][features];
        // Blocked over rows so each eigenvector is read once per block rather than once per row.
        int blocks = (features + ROW_BLOCK - 1) / ROW_BLOCK;
        ParallelLoops.forEach(0, blocks, (long) retained.size() * features * features, block -> {
            int i0 = block * ROW_BLOCK;
            int i1 = Math.min(i0 + ROW_BLOCK, features);
            for (int i = i0; i < i1; i++) {
                w[i][i] = floorScale;
            }
            for (int k = 0; k < retained.size(); k++) {
                double[] v = retained.get(k);
                double weight = weights.get(k);
                for (int i = i0; i < i1; i++) {
                    double a = weight * v[i];
                    double[] row = w[i];
                    for (int j = 0; j < features; j++) {
                        row[j] += a * v[j];
                    }
                }
            }
        });
        float[] matrix = new float[features * features];
        for (int i = 0; i < features; i++) {
            for (int j = 0; j < features; j++) {
                matrix[i * features + j] = (float) w[i][j];
            }
        }
        return matrix;
    }
}
