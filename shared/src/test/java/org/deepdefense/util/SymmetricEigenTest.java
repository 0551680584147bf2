package org.deepdefense.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;

class SymmetricEigenTest {

    @Test
    void reconstructsARandomSymmetricMatrix() {
        SplittableRandom random = new SplittableRandom(3);
        int n = 80;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = random.nextDouble(-5, 5);
                a[j][i] = a[i][j];
            }
        }
        assertIsEigendecomposition(a, SymmetricEigen.of(a), 1e-10);
    }

    /** Large enough that every loop is split over threads, and the split does not change a single bit. */
    @Test
    void parallelLoopsGiveTheSameBitsOnAnyNumberOfThreads() throws Exception {
        SplittableRandom random = new SplittableRandom(5);
        int n = 300;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                a[i][j] = random.nextDouble(-1, 1) / (1 + Math.abs(i - j));
                a[j][i] = a[i][j];
            }
        }
        SymmetricEigen.Decomposition one = onThreads(1, a);
        SymmetricEigen.Decomposition three = onThreads(3, a);
        assertIsEigendecomposition(a, three, 1e-10);
        assertArrayEquals(one.values(), three.values());
        for (int k = 0; k < n; k++) {
            assertArrayEquals(one.vectors()[k], three.vectors()[k], "eigenvector " + k);
        }
    }

    /** Parallel streams started inside a fork-join pool run on that pool's threads. */
    private static SymmetricEigen.Decomposition onThreads(int threads, double[][] a) throws Exception {
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            return pool.submit(() -> SymmetricEigen.of(a)).get();
        } finally {
            pool.shutdown();
        }
    }

    /** Repeated eigenvalues, a zero row and exact zeros: the branches a random dense matrix never takes. */
    @Test
    void handlesRepeatedEigenvaluesAndZeroRows() {
        // 2·I₃ bordered by a zero row and column (eigenvalues 0, 2, 2, 2), and a 5×5 Gram matrix of rank 2.
        double[][] twosAndZero = {{2, 0, 0, 0}, {0, 2, 0, 0}, {0, 0, 2, 0}, {0, 0, 0, 0}};
        SymmetricEigen.Decomposition twos = SymmetricEigen.of(twosAndZero);
        assertArrayEquals(new double[] {0, 2, 2, 2}, twos.values(), 1e-12);
        assertIsEigendecomposition(twosAndZero, twos, 1e-12);

        double[][] rankTwo = gram(new double[][] {{1, 2, 3, 4, 5}, {-1, 0, 1, 0, -1}});
        SymmetricEigen.Decomposition low = SymmetricEigen.of(rankTwo);
        assertEquals(0, low.values()[0], 1e-12);
        assertEquals(0, low.values()[2], 1e-12);
        assertTrue(low.values()[3] > 1);
        assertIsEigendecomposition(rankTwo, low, 1e-12);

        SymmetricEigen.Decomposition one = SymmetricEigen.of(new double[][] {{-7}});
        assertArrayEquals(new double[] {-7}, one.values());
        assertArrayEquals(new double[] {1}, one.vectors()[0]);
    }

    /** A·v = λ·v for every pair, the vectors orthonormal, and the values ascending. */
    private static void assertIsEigendecomposition(double[][] a, SymmetricEigen.Decomposition result, double tolerance) {
        int n = a.length;
        double scale = 0;
        for (double[] row : a) {
            for (double value : row) {
                scale = Math.max(scale, Math.abs(value));
            }
        }
        double[] values = result.values();
        double[][] vectors = result.vectors();
        for (int k = 0; k < n; k++) {
            if (k > 0) {
                assertTrue(values[k - 1] <= values[k], "ascending");
            }
            for (int i = 0; i < n; i++) {
                double av = 0;
                for (int j = 0; j < n; j++) {
                    av += a[i][j] * vectors[k][j];
                }
                assertEquals(values[k] * vectors[k][i], av, tolerance * Math.max(1, scale * n), "A·V = V·Λ");
            }
            for (int l = 0; l < n; l++) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += vectors[k][i] * vectors[l][i];
                }
                assertEquals(k == l ? 1 : 0, dot, tolerance * n, "VᵀV = I");
            }
        }
    }

    private static double[][] gram(double[][] rows) {
        int n = rows[0].length;
        double[][] g = new double[n][n];
        for (double[] row : rows) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    g[i][j] += row[i] * row[j];
                }
            }
        }
        return g;
    }
}
