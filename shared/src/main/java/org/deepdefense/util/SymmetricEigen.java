package org.deepdefense.util;

import java.util.Arrays;

/**
 * Eigendecomposition A = V·diag(λ)·Vᵀ of a real symmetric matrix in float64: Householder reduction to
 * tridiagonal form, then the implicit QL algorithm with Wilkinson-type shifts (the EISPACK tql2 iteration).
 * DJL 0.36's NDArray has no eigen solver, and ZCA whitening needs one for a 3072×3072 covariance.
 *
 * <p>Every O(n³) loop runs along rows (contiguous memory) and is split over the common fork-join pool: the reduction
 * keeps the whole trailing block (so a matrix-vector product and a rank-2 update are row operations), the orthogonal
 * factor is built one reflector at a time from the right, and each QL sweep's plane rotations are computed first and
 * then applied to blocks of columns in parallel. Every value is computed in the same order whatever the split, so
 * the result does not depend on the number of threads ({@link ParallelLoops}).
 */
public final class SymmetricEigen {
    private static final double EPS = Math.ulp(1.0);
    /** Columns per task when a QL sweep's rotations are applied: two rows of a block stay in the L1 cache. */
    private static final int COLUMN_BLOCK = 256;

    /**
     * @param values  eigenvalues in ascending order
     * @param vectors vectors[k] is the unit eigenvector of values[k] (one row per eigenvector)
     */
    public record Decomposition(double[] values, double[][] vectors) {}

    private SymmetricEigen() {}

    /** Decomposes the symmetric n×n matrix a (not modified; symmetry is the caller's promise, not checked). */
    public static Decomposition of(double[][] a) {
        int n = a.length;
        double[][] work = new double[n][];
        for (int i = 0; i < n; i++) {
            if (a[i].length != n) {
                throw new IllegalArgumentException("row " + i + " has " + a[i].length + " values, expected " + n);
            }
            work[i] = a[i].clone();
        }
        double[] d = new double[n];
        double[] e = new double[n];
        if (n == 0) {
            return new Decomposition(d, work);
        }
        double[] h = tridiagonalise(work, d, e);
        double[][] rows = transposedOrthogonalFactor(work, h);
        diagonalise(d, e, rows);
        return sorted(d, rows);
    }

    /**
     * Householder reduction T = QᵀAQ, Q = H₀·H₁⋯H_{n−3}, H_k = I − u_k·u_kᵀ/h_k with u_k supported on k+1..n−1. On
     * return d is T's diagonal, e[i] couples i and i+1 (e[n−1] = 0), row k of a holds u_k from column k+1 on, and
     * the returned h_k is 0 where no reflection was needed.
     */
    private static double[] tridiagonalise(double[][] a, double[] d, double[] e) {
        int n = d.length;
        double[] h = new double[n];
        double[] p = new double[n];
        for (int k = 0; k < n - 2; k++) {
            double[] u = a[k];
            d[k] = u[k];
            double tail = 0;
            for (int c = k + 2; c < n; c++) {
                tail += u[c] * u[c];
            }
            double x0 = u[k + 1];
            if (tail == 0) {
                e[k] = x0; // already tridiagonal in this row: H_k = I
                continue;
            }
            double alpha = -Math.copySign(Math.sqrt(x0 * x0 + tail), x0);
            e[k] = alpha;
            double hk = x0 * x0 + tail - x0 * alpha;
            h[k] = hk;
            u[k + 1] = x0 - alpha;
            int first = k + 1;
            // p = B·u/h over the trailing block B, then q = p − (uᵀp/2h)·u, then B −= u·qᵀ + q·uᵀ.
            ParallelLoops.forEach(first, n, (long) (n - first) * (n - first), r -> p[r] = dot(a[r], u, first, n) / hk);
            double k2 = dot(p, u, first, n) / (2 * hk);
            for (int r = first; r < n; r++) {
                p[r] -= k2 * u[r];
            }
            ParallelLoops.forEach(first, n, (long) (n - first) * (n - first), r -> {
                double[] row = a[r];
                double ur = u[r];
                double qr = p[r];
                for (int c = first; c < n; c++) {
                    row[c] -= ur * p[c] + qr * u[c];
                }
            });
        }
        if (n >= 2) {
            d[n - 2] = a[n - 2][n - 2];
            e[n - 2] = a[n - 2][n - 1];
        }
        d[n - 1] = a[n - 1][n - 1];
        return h;
    }

    /**
     * Qᵀ = H_{n−3}⋯H₀ (one row per column of Q), built as I·H_{n−3}⋯H₀: when H_k is applied, only rows and columns
     * after k differ from the identity, so each reflector costs a block of its own size.
     */
    private static double[][] transposedOrthogonalFactor(double[][] reflectors, double[] h) {
        int n = h.length;
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) {
            m[i][i] = 1;
        }
        for (int k = n - 3; k >= 0; k--) {
            if (h[k] == 0) {
                continue;
            }
            double[] u = reflectors[k];
            double hk = h[k];
            int first = k + 1;
            ParallelLoops.forEach(first, n, (long) (n - first) * (n - first), r -> {
                double[] row = m[r];
                double t = dot(row, u, first, n) / hk;
                for (int c = first; c < n; c++) {
                    row[c] -= t * u[c];
                }
            });
        }
        return m;
    }

    /**
     * Implicit QL on the tridiagonal (d, e); rows holds the transformation with one vector per row, so each plane
     * rotation updates two contiguous rows. On return d holds the eigenvalues.
     */
    private static void diagonalise(double[] d, double[] e, double[][] rows) {
        int n = d.length;
        double[] cos = new double[n];
        double[] sin = new double[n];
        e[n - 1] = 0;
        double shift = 0;
        double norm = 0;
        for (int l = 0; l < n; l++) {
            norm = Math.max(norm, Math.abs(d[l]) + Math.abs(e[l]));
            int m = l;
            while (Math.abs(e[m]) > EPS * norm) {
                m++; // e[n-1] is 0, so this stops at n-1 at the latest
            }
            if (m > l) {
                do {
                    double g = d[l];
                    double p = (d[l + 1] - g) / (2 * e[l]);
                    double r = Math.hypot(p, 1);
                    if (p < 0) {
                        r = -r;
                    }
                    d[l] = e[l] / (p + r);
                    d[l + 1] = e[l] * (p + r);
                    double dl1 = d[l + 1];
                    double h = g - d[l];
                    for (int i = l + 2; i < n; i++) {
                        d[i] -= h;
                    }
                    shift += h;
                    p = d[m];
                    double c = 1;
                    double c2 = c;
                    double c3 = c;
                    double el1 = e[l + 1];
                    double s = 0;
                    double s2 = 0;
                    for (int i = m - 1; i >= l; i--) {
                        c3 = c2;
                        c2 = c;
                        s2 = s;
                        g = c * e[i];
                        h = c * p;
                        r = Math.hypot(p, e[i]);
                        e[i + 1] = s * r;
                        s = e[i] / r;
                        c = p / r;
                        p = c * d[i] - s * g;
                        d[i + 1] = h + s * (c * g + s * d[i]);
                        cos[i] = c;
                        sin[i] = s;
                    }
                    rotate(rows, cos, sin, l, m);
                    p = -s * s2 * c3 * el1 * e[l] / dl1;
                    e[l] = s * p;
                    d[l] = c * p;
                } while (Math.abs(e[l]) > EPS * norm);
            }
            d[l] += shift;
            e[l] = 0;
        }
    }

    /** Applies the sweep's rotations i = m−1 down to l to rows (i, i+1), column block by column block. */
    private static void rotate(double[][] rows, double[] cos, double[] sin, int l, int m) {
        int n = rows.length;
        int blocks = (n + COLUMN_BLOCK - 1) / COLUMN_BLOCK;
        ParallelLoops.forEach(0, blocks, (long) (m - l) * n, b -> {
            int from = b * COLUMN_BLOCK;
            int to = Math.min(n, from + COLUMN_BLOCK);
            for (int i = m - 1; i >= l; i--) {
                double[] low = rows[i];
                double[] high = rows[i + 1];
                double c = cos[i];
                double s = sin[i];
                for (int col = from; col < to; col++) {
                    double hv = high[col];
                    high[col] = s * low[col] + c * hv;
                    low[col] = c * low[col] - s * hv;
                }
            }
        });
    }

    private static double dot(double[] x, double[] y, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    private static Decomposition sorted(double[] d, double[][] rows) {
        Integer[] order = new Integer[d.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(d[x], d[y]));
        double[] values = new double[d.length];
        double[][] vectors = new double[d.length][];
        for (int i = 0; i < order.length; i++) {
            values[i] = d[order[i]];
            vectors[i] = rows[order[i]];
        }
        return new Decomposition(values, vectors);
    }
}
