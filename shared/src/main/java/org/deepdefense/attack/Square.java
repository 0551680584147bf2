package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.deepdefense.nn.Network;

/**
 * Square attack (Andriushchenko et al., ECCV 2020): a score-based random search that uses no gradient at all, the
 * black-box check of AutoAttack. It minimises the margin z_y − max_{j≠y} z_j by changing one random square window
 * at a time and keeping the change only if the margin falls; the window covers a fraction p of the image that
 * halves on the published schedule (p₀ = 0.8 at iteration 0, halved at 10, 50, 200, 500, 1,000, 2,000, 4,000, 6,000
 * and 8,000 of 10,000, rescaled to the query budget).
 *
 * <p>L∞: the start is vertical stripes of ±ε per channel and a window takes a fresh ±ε per channel. L2: the start is
 * the stripes rescaled to norm ε, and a window's content is replaced by a centre-peaked pattern (1/(1+r)² around the
 * window's centre, a random sign per channel) carrying the window's old energy plus whatever the budget has left,
 * then projected onto the ε-ball; a simplification of the paper's two-window mass transfer with the same search.
 * No clipping to the pixel range, as for the other attacks. Each sample draws from its own seed.
 */
public final class Square implements FixedBudgetAttack {
    private static final double P_INIT = 0.8;
    private static final int[] HALVINGS = {10, 50, 200, 500, 1000, 2000, 4000, 6000, 8000};

    private final Norm norm;
    private final int queries;

    public Square(Norm norm, int queries) {
        if (queries < 1) {
            throw new IllegalArgumentException("Square needs at least one query, got " + queries);
        }
        this.norm = norm;
        this.queries = queries;
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /** The fraction of the image a window covers at query {@code it}. */
    double windowFraction(int it) {
        int scaled = (int) ((long) it * 10000 / queries);
        double p = P_INIT;
        for (int halving : HALVINGS) {
            if (scaled > halving) {
                p /= 2;
            }
        }
        return p;
    }

    @Override
    public boolean[] attack(Network network, NDArray x, int[] labels, double epsilon, long[] seeds) {
        NDManager scope = x.getManager();
        int n = labels.length;
        int k = network.numClasses();
        int channels = Math.toIntExact(network.inputShape().get(0));
        int height = Math.toIntExact(network.inputShape().get(1));
        int width = Math.toIntExact(network.inputShape().get(2));
        int d = channels * height * width;
        float[] original = x.toFloatArray();
        SplittableRandom[] random = new SplittableRandom[n];
        float[] delta = new float[n * d];
        for (int row = 0; row < n; row++) {
            random[row] = new SplittableRandom(seeds[row]);
            for (int c = 0; c < channels; c++) {
                for (int w = 0; w < width; w++) {
                    float value = random[row].nextBoolean() ? (float) epsilon : (float) -epsilon;
                    for (int h = 0; h < height; h++) {
                        delta[row * d + (c * height + h) * width + w] = value;
                    }
                }
            }
        }
        if (norm == Norm.L2) {
            for (int row = 0; row < n; row++) {
                scale(delta, row * d, d, epsilon / Math.max(Norm.L2.size(delta, row * d, d), 1e-12));
            }
        }
        double[] margin = margins(LossGradient.logits(network, scope, Pgd.add(original, delta), n), labels, k);
        boolean[] broken = new boolean[n];
        int[] active = new int[n];
        int m = 0;
        for (int row = 0; row < n; row++) {
            broken[row] = margin[row] < 0;
            if (!broken[row]) {
                active[m++] = row;
            }
        }
        active = Arrays.copyOf(active, m);
        for (int it = 1; it < queries && active.length > 0; it++) {
            int side = (int) Math.max(1, Math.min(Math.min(height, width),
                    Math.round(Math.sqrt(windowFraction(it) * height * width))));
            float[] candidates = new float[active.length * d];
            for (int a = 0; a < active.length; a++) {
                int row = active[a];
                System.arraycopy(delta, row * d, candidates, a * d, d);
                propose(candidates, a * d, random[row], side, epsilon, channels, height, width);
            }
            float[] points = new float[active.length * d];
            for (int a = 0; a < active.length; a++) {
                int row = active[a];
                for (int i = 0; i < d; i++) {
                    points[a * d + i] = original[row * d + i] + candidates[a * d + i];
                }
            }
            int[] rows = active;
            double[] proposed = margins(LossGradient.logits(network, scope, points, rows.length),
                    Arrays.stream(rows).map(row -> labels[row]).toArray(), k);
            int kept = 0;
            for (int a = 0; a < rows.length; a++) {
                int row = rows[a];
                if (proposed[a] < margin[row]) {
                    margin[row] = proposed[a];
                    System.arraycopy(candidates, a * d, delta, row * d, d);
                }
                if (margin[row] < 0) {
                    broken[row] = true;
                } else {
                    active[kept++] = row;
                }
            }
            active = Arrays.copyOf(active, kept);
        }
        return broken;
    }

    /** Replaces one random side×side window of the perturbation at {@code offset}. */
    private void propose(float[] delta, int offset, SplittableRandom random, int side, double epsilon, int channels,
            int height, int width) {
        int top = random.nextInt(height - side + 1);
        int left = random.nextInt(width - side + 1);
        if (norm == Norm.LINF) {
            // Redraw until the window changes somewhere (it may already hold the drawn signs), as the paper does.
            for (int attempt = 0; attempt < 10; attempt++) {
                boolean changed = false;
                for (int c = 0; c < channels; c++) {
                    float value = random.nextBoolean() ? (float) epsilon : (float) -epsilon;
                    for (int h = top; h < top + side; h++) {
                        for (int w = left; w < left + side; w++) {
                            int i = offset + (c * height + h) * width + w;
                            changed |= delta[i] != value;
                            delta[i] = value;
                        }
                    }
                }
                if (changed) {
                    return;
                }
            }
            return;
        }
        int d = channels * height * width;
        double total = 0;
        double window = 0;
        for (int c = 0; c < channels; c++) {
            for (int h = 0; h < height; h++) {
                for (int w = 0; w < width; w++) {
                    double v = delta[offset + (c * height + h) * width + w];
                    total += v * v;
                    if (h >= top && h < top + side && w >= left && w < left + side) {
                        window += v * v;
                    }
                }
            }
        }
        double energy = window + Math.max(0, epsilon * epsilon - total);
        double centre = (side - 1) / 2.0;
        double patternEnergy = 0;
        double[] pattern = new double[side * side];
        for (int h = 0; h < side; h++) {
            for (int w = 0; w < side; w++) {
                double r = Math.max(Math.abs(h - centre), Math.abs(w - centre));
                pattern[h * side + w] = 1 / ((1 + r) * (1 + r));
                patternEnergy += pattern[h * side + w] * pattern[h * side + w];
            }
        }
        double amplitude = Math.sqrt(energy / (channels * patternEnergy));
        for (int c = 0; c < channels; c++) {
            double sign = random.nextBoolean() ? 1 : -1;
            for (int h = 0; h < side; h++) {
                for (int w = 0; w < side; w++) {
                    delta[offset + (c * height + top + h) * width + left + w] =
                            (float) (sign * amplitude * pattern[h * side + w]);
                }
            }
        }
        double length = Norm.L2.size(delta, offset, d);
        if (length > epsilon) {
            scale(delta, offset, d, epsilon / length);
        }
    }

    private static void scale(float[] v, int offset, int d, double factor) {
        for (int i = offset; i < offset + d; i++) {
            v[i] = (float) (v[i] * factor);
        }
    }

    /** z_y − max_{j≠y} z_j per row: negative once misclassified. */
    private static double[] margins(float[] logits, int[] labels, int k) {
        double[] margins = new double[labels.length];
        for (int row = 0; row < labels.length; row++) {
            int rival = Losses.strongestOther(logits, row, k, labels[row]);
            margins[row] = (double) logits[row * k + labels[row]] - logits[row * k + rival];
        }
        return margins;
    }
}
