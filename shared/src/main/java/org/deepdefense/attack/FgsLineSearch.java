package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import org.deepdefense.nn.Network;

/**
 * Fast gradient sign (Goodfellow et al. 2015) as a minimum-norm attack: along each sample's fixed direction
 * sign(∇ₓ loss) at x, the smallest ε for which x + ε·sign is misclassified. The ray is probed on a geometric grid
 * (a factor 2^(1/perOctave) apart) and the first crossing is refined by bisection to a relative 10⁻⁴; a sample
 * counts as broken at budget ε when some step of size at most ε breaks it, which makes FGS accuracy a
 * non-increasing function of ε and per-sample results exact to merge. No clipping to the pixel range, as in the
 * paper's evaluation.
 *
 * <p>With {@link Losses#PAPER_CROSS_ENTROPY} this is the paper's FGS; with {@link Losses#CROSS_ENTROPY} its
 * direction does not suffer from float32 softmax saturation.
 */
public final class FgsLineSearch implements MinimumNormAttack {
    /** Rows per forward pass: several grid points of one batch go through the network at once. */
    private static final int ROWS_PER_PASS = 2048;
    private static final double RELATIVE_TOLERANCE = 1e-4;

    private final Loss loss;
    private final double min;
    private final double max;
    private final int perOctave;

    /**
     * @param min       the smallest step probed (smaller crossings are reported as min)
     * @param max       the largest; a sample that survives it has size +∞
     * @param perOctave grid points per doubling of ε
     */
    public FgsLineSearch(Loss loss, double min, double max, int perOctave) {
        if (!(min > 0) || !(max > min) || !Double.isFinite(max) || perOctave < 1) {
            throw new IllegalArgumentException("need 0 < min < max < inf and perOctave >= 1, got " + min + ", "
                    + max + ", " + perOctave);
        }
        this.loss = loss;
        this.min = min;
        this.max = max;
        this.perOctave = perOctave;
    }

    /** From 1/16 to 4,096 grey levels, 4 points per octave. */
    public static FgsLineSearch withLoss(Loss loss) {
        return new FgsLineSearch(loss, 1.0 / 16, 4096, 4);
    }

    @Override
    public Norm norm() {
        return Norm.LINF;
    }

    @Override
    public Perturbations minimalPerturbations(Network network, NDArray x, int[] labels) {
        NDManager scope = x.getManager();
        int n = labels.length;
        int k = network.numClasses();
        float[] points = x.toFloatArray();
        int d = points.length / n;
        LossGradient start = LossGradient.at(network, scope, points, labels, null, loss);
        float[] sign = Norm.LINF.steepestAscent(start.gradient(), d);
        double[] sizes = new double[n];
        boolean[] fooled = new boolean[n];
        int[] probes = new int[n];
        double[] grid = grid();
        // First grid index at which each still-correct sample breaks; grid.length if none.
        int[] first = new int[n];
        Arrays.fill(first, grid.length);
        int[] rows = new int[n];
        int active = 0;
        for (int row = 0; row < n; row++) {
            if (LossGradient.misclassified(start.logits(), row, k, labels[row])) {
                fooled[row] = true;
            } else {
                rows[active++] = row;
            }
        }
        rows = Arrays.copyOf(rows, active);
        int perPass = Math.max(1, ROWS_PER_PASS / Math.max(1, active));
        for (int g0 = 0; g0 < grid.length && active > 0; g0 += perPass) {
            int count = Math.min(perPass, grid.length - g0);
            float[] stacked = new float[count * active * d];
            for (int g = 0; g < count; g++) {
                for (int a = 0; a < active; a++) {
                    shift(points, sign, rows[a], d, grid[g0 + g], stacked, (g * active + a) * d);
                }
            }
            float[] logits = LossGradient.logits(network, scope, stacked, count * active);
            for (int g = 0; g < count; g++) {
                for (int a = 0; a < active; a++) {
                    int row = rows[a];
                    if (first[row] == grid.length && LossGradient.misclassified(logits, g * active + a, k,
                            labels[row])) {
                        first[row] = g0 + g;
                    }
                }
            }
        }
        // Bisection between the last grid point that did not break the sample and the first that did.
        double[] low = new double[n];
        double[] high = new double[n];
        int[] refining = Arrays.stream(rows).filter(row -> first[row] < grid.length).toArray();
        for (int row : refining) {
            fooled[row] = true;
            high[row] = grid[first[row]];
            low[row] = first[row] == 0 ? 0 : grid[first[row] - 1];
            probes[row] = first[row] + 1;
        }
        for (int row : rows) {
            if (!fooled[row]) {
                sizes[row] = Double.POSITIVE_INFINITY;
                probes[row] = grid.length;
            }
        }
        while (refining.length > 0) {
            int m = refining.length;
            float[] middle = new float[m * d];
            for (int a = 0; a < m; a++) {
                int row = refining[a];
                shift(points, sign, row, d, (low[row] + high[row]) / 2, middle, a * d);
            }
            float[] logits = LossGradient.logits(network, scope, middle, m);
            int kept = 0;
            for (int a = 0; a < m; a++) {
                int row = refining[a];
                double mid = (low[row] + high[row]) / 2;
                if (LossGradient.misclassified(logits, a, k, labels[row])) {
                    high[row] = mid;
                } else {
                    low[row] = mid;
                }
                probes[row]++;
                if (high[row] - low[row] > RELATIVE_TOLERANCE * high[row]) {
                    refining[kept++] = row;
                }
            }
            refining = Arrays.copyOf(refining, kept);
        }
        for (int row : rows) {
            if (fooled[row]) {
                sizes[row] = high[row];
            }
        }
        return new Perturbations(sizes, fooled, probes);
    }

    private double[] grid() {
        int size = (int) Math.floor(perOctave * Math.log(max / min) / Math.log(2) + 1e-9) + 1;
        double[] grid = new double[size];
        for (int i = 0; i < size; i++) {
            grid[i] = min * Math.pow(2, i / (double) perOctave);
        }
        return grid;
    }

    /** x_row + ε·sign_row, written at {@code out[offset …]}, in float32 as the paper's evaluation does it. */
    private static void shift(float[] points, float[] sign, int row, int d, double epsilon, float[] out, int offset) {
        float eps = (float) epsilon;
        for (int i = 0; i < d; i++) {
            out[offset + i] = points[row * d + i] + eps * sign[row * d + i];
        }
    }

}
