package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.deepdefense.util.SymmetricEigen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The official CIFAR-10 preprocessing checked against its definition, recomputed here step by step from the raw
 * images: per-pixel mean, per-image centring and contrast scaling, then the second moments the whitening must
 * flatten to en² in every direction above the floor.
 */
class ContrastWhiteningTest {

    /** More images than features: the full second-moment matrix is decomposed. */
    @Test
    void whitenedSecondMomentsAreEnSquaredAboveTheFloorAndScaledBelowIt() {
        int features = 16;
        int n = 600;
        Dataset train = correlatedImages(n, features, 5);
        Preprocessor preprocessor = Preprocessor.fit(Preprocessing.OFFICIAL_CIFAR, train);
        assertEquals(Preprocessing.OFFICIAL_CIFAR, preprocessor.kind());

        double[][] y = contrastNormalised(train);
        SymmetricEigen.Decomposition before = SymmetricEigen.of(secondMoments(y));
        double enSquared = mean(before.values());
        double[][] after = secondMoments(rows(preprocessor.apply(train, 0, n), features));

        int retained = 0;
        double tolerance = 2e-4 * enSquared;
        for (int k = 0; k < features; k++) {
            double d = before.values()[k];
            double[] v = before.vectors()[k];
            double expected = d * enSquared / Math.max(d, 100);
            assertEquals(expected, quadraticForm(after, v), tolerance, "variance along eigenvector " + k);
            retained += d > 100 ? 1 : 0;
        }
        // The data is built so that the floor matters: some directions are flattened to en², others only scaled.
        assertTrue(retained > 3 && retained < features - 3, retained + " directions above the floor");
        // ...and the whitened second moments hold no other structure: V·diag(...)·Vᵀ element by element.
        for (int i = 0; i < features; i++) {
            for (int j = 0; j < features; j++) {
                double expected = 0;
                for (int k = 0; k < features; k++) {
                    double d = before.values()[k];
                    expected += d * enSquared / Math.max(d, 100) * before.vectors()[k][i] * before.vectors()[k][j];
                }
                assertEquals(expected, after[i][j], tolerance, "second moment (" + i + ", " + j + ")");
            }
        }
    }

    /** Fewer images than features (generated CIFAR-10 files): the N×N image Gram matrix is decomposed instead. */
    @Test
    void whitensGeneratedCifarFilesToEqualVarianceInTheirSpan(@TempDir Path dir) throws IOException {
        TestFiles.writeRandomCifar(dir, 3, 2, 11);
        Dataset train = Cifar10Reader.read(dir, Split.TRAIN);
        int n = train.size();
        int features = train.featureSize();
        Preprocessor preprocessor = Preprocessor.fit(Preprocessing.OFFICIAL_CIFAR, train);

        double[][] y = contrastNormalised(train);
        double trace = 0;
        for (double[] row : y) {
            for (double value : row) {
                trace += value * value / n;
            }
        }
        double enSquared = trace / features;
        // The image Gram matrices have the nonzero eigenvalues of the 3072×3072 second-moment matrices, and
        // d ↦ d·en²/max(d, 100) keeps their order. With random pixels nearly all of the 15 directions lie far
        // above the floor (d ≈ 3072·74²/15) and are flattened to en².
        double[] before = SymmetricEigen.of(imageGram(y)).values();
        double[] after = SymmetricEigen.of(imageGram(rows(preprocessor.apply(train, 0, n), features))).values();
        int flattened = 0;
        for (int k = 0; k < n; k++) {
            assertEquals(before[k] * enSquared / Math.max(before[k], 100), after[k], 1e-3 * enSquared,
                    "eigenvalue " + k);
            flattened += before[k] > 100 ? 1 : 0;
        }
        assertTrue(flattened >= n - 1, flattened + " of " + n + " directions flattened");
        assertEquals(Preprocessing.OFFICIAL_CIFAR, preprocessor.kind());
        assertTrue(preprocessor.describe().contains("whitened space"), preprocessor.describe());
    }

    @Test
    void storedValuesGiveTheSameTransformAndBadOnesAreRefused(@TempDir Path dir) throws IOException {
        TestFiles.writeRandomCifar(dir, 2, 3, 12);
        Dataset train = Cifar10Reader.read(dir, Split.TRAIN);
        Dataset test = Cifar10Reader.read(dir, Split.TEST);
        Preprocessor fitted = Preprocessor.fit(Preprocessing.OFFICIAL_CIFAR, train);
        ContrastWhitening whitening = fitted.whitening().orElseThrow();
        Preprocessor restored = Preprocessor.fromMean(fitted.mean(), 3, 32, 32)
                .followedBy(ContrastWhitening.of(whitening.contrastScale(), whitening.matrix(), 3072));
        assertArrayEquals(fitted.apply(test, 0, 3), restored.apply(test, 0, 3));

        assertThrows(IllegalArgumentException.class, () -> ContrastWhitening.of(1, new float[10], 3));
        assertThrows(IllegalArgumentException.class, () -> ContrastWhitening.of(0, new float[9], 3));
        float[] poisoned = new float[9];
        poisoned[4] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> ContrastWhitening.of(1, poisoned, 3));
        assertThrows(IllegalArgumentException.class, () -> restored.followedBy(whitening));
    }

    /** 128 + c·Σ_k scale_k·g_k·u_k: an orthonormal basis u with scales from 60 to 0.3 and contrasts c around 1. */
    private static Dataset correlatedImages(int n, int features, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] symmetric = new double[features][features];
        for (int i = 0; i < features; i++) {
            for (int j = 0; j <= i; j++) {
                symmetric[i][j] = random.nextDouble(-1, 1);
                symmetric[j][i] = symmetric[i][j];
            }
        }
        double[][] basis = SymmetricEigen.of(symmetric).vectors();
        float[] images = new float[n * features];
        for (int s = 0; s < n; s++) {
            double contrast = random.nextDouble(0.3, 1.7); // image stds on both sides of the floor of 40
            for (int k = 0; k < features; k++) {
                double amplitude = contrast * 60 * Math.pow(0.005, k / (features - 1.0)) * random.nextGaussian();
                for (int f = 0; f < features; f++) {
                    images[s * features + f] += (float) (amplitude * basis[k][f]);
                }
            }
            for (int f = 0; f < features; f++) {
                images[s * features + f] += 128;
            }
        }
        return new InMemoryDataset("correlated", images, new int[n], 1, 4, 4, 10);
    }

    /** The reference transform up to whitening, written out from its definition. */
    private static double[][] contrastNormalised(Dataset train) {
        int n = train.size();
        int features = train.featureSize();
        double[] pixelMean = new double[features];
        for (int s = 0; s < n; s++) {
            for (int f = 0; f < features; f++) {
                pixelMean[f] += train.pixels(s, s + 1)[f] / (double) n;
            }
        }
        double[][] y = new double[n][features];
        double[] std = new double[n];
        for (int s = 0; s < n; s++) {
            for (int f = 0; f < features; f++) {
                y[s][f] = train.pixels(s, s + 1)[f] - (float) pixelMean[f];
            }
            double imageMean = mean(y[s]);
            double squares = 0;
            for (int f = 0; f < features; f++) {
                y[s][f] -= imageMean;
                squares += y[s][f] * y[s][f];
            }
            std[s] = Math.sqrt(squares / (features - 1));
        }
        double meanStd = mean(std);
        for (int s = 0; s < n; s++) {
            for (int f = 0; f < features; f++) {
                y[s][f] *= meanStd / Math.max(std[s], 40);
            }
        }
        return y;
    }

    private static double[][] secondMoments(double[][] rows) {
        int features = rows[0].length;
        double[][] m = new double[features][features];
        for (double[] row : rows) {
            for (int i = 0; i < features; i++) {
                for (int j = 0; j < features; j++) {
                    m[i][j] += row[i] * row[j] / rows.length;
                }
            }
        }
        return m;
    }

    private static double[][] imageGram(double[][] rows) {
        double[][] g = new double[rows.length][rows.length];
        for (int a = 0; a < rows.length; a++) {
            for (int b = 0; b < rows.length; b++) {
                for (int f = 0; f < rows[a].length; f++) {
                    g[a][b] += rows[a][f] * rows[b][f] / rows.length;
                }
            }
        }
        return g;
    }

    private static double[][] rows(float[] flat, int features) {
        double[][] rows = new double[flat.length / features][features];
        for (int i = 0; i < flat.length; i++) {
            rows[i / features][i % features] = flat[i];
        }
        return rows;
    }

    private static double quadraticForm(double[][] m, double[] v) {
        double sum = 0;
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v.length; j++) {
                sum += v[i] * m[i][j] * v[j];
            }
        }
        return sum;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum / values.length;
    }
}
