package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deepdefense.nn.Network;

/**
 * Auto-PGD (Croce and Hein, ICML 2020), for L∞ and L2: PGD with momentum (α = 0.75), a step that starts at 2ε and
 * halves at the checkpoints p₀ = 0, p₁ = 0.22, p_{j+1} = p_j + max(p_j − p_{j−1} − 0.03, 0.06) (fractions of the
 * iterations) when fewer than ρ = 75 % of the steps since the last checkpoint raised the loss, or when neither the
 * step nor the best loss changed since it; after a halving the iterate restarts from the best point. Every step is
 * per sample. A sample is broken if any iterate is misclassified.
 *
 * <p>{@link #crossEntropy} is APGD-CE (stable cross-entropy); {@link #targetedDlr} is APGD-T: targeted DLR towards
 * each of the {@code targets} classes with the largest clean logits after the label, one run per target on the
 * samples still standing. No clipping to the pixel range, as for the other attacks.
 */
public final class Apgd implements FixedBudgetAttack {
    private static final double MOMENTUM = 0.75;
    private static final double RHO = 0.75;

    private final Norm norm;
    private final int iterations;
    private final Loss loss;
    /** 0: untargeted; else the number of target classes. */
    private final int targets;
    private final int[] checkpoints;

    private Apgd(Norm norm, int iterations, Loss loss, int targets) {
        if (iterations < 1 || targets < 0) {
            throw new IllegalArgumentException("need iterations >= 1 and targets >= 0, got " + iterations + ", "
                    + targets);
        }
        this.norm = norm;
        this.iterations = iterations;
        this.loss = loss;
        this.targets = targets;
        this.checkpoints = checkpoints(iterations);
    }

    public static Apgd crossEntropy(Norm norm, int iterations) {
        return new Apgd(norm, iterations, Losses.CROSS_ENTROPY, 0);
    }

    public static Apgd targetedDlr(Norm norm, int iterations, int targets) {
        if (targets < 1) {
            throw new IllegalArgumentException("APGD-T needs at least one target class, got " + targets);
        }
        return new Apgd(norm, iterations, Losses.DLR, targets);
    }

    /** The same attack with twice the iterations: a masking check. */
    public Apgd doubled() {
        return new Apgd(norm, 2 * iterations, loss, targets);
    }

    @Override
    public Norm norm() {
        return norm;
    }

    /**
     * The iterations at which the step may halve, in the reference implementation's integers: windows of
     * ⌊0.22·N⌋, then each 3 % of N shorter, but at least 6 % of N.
     */
    static int[] checkpoints(int iterations) {
        int window = Math.max((int) (0.22 * iterations), 1);
        int shrink = Math.max((int) (0.03 * iterations), 1);
        int shortest = Math.max((int) (0.06 * iterations), 1);
        List<Integer> checkpoints = new ArrayList<>();
        for (int at = window; at < iterations; window = Math.max(window - shrink, shortest), at += window) {
            checkpoints.add(at);
        }
        return checkpoints.stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public boolean[] attack(Network network, NDArray x, int[] labels, double epsilon, long[] seeds) {
        int n = labels.length;
        float[] original = x.toFloatArray();
        int d = original.length / n;
        if (targets == 0) {
            return run(network, x.getManager(), original, labels, null, epsilon, seeds, d);
        }
        int k = network.numClasses();
        float[] clean = LossGradient.logits(network, x.getManager(), original, n);
        boolean[] broken = new boolean[n];
        for (int t = 0; t < Math.min(targets, k - 1); t++) {
            int[] standing = standing(broken);
            if (standing.length == 0) {
                break;
            }
            int[] target = new int[standing.length];
            long[] targetSeeds = new long[standing.length];
            for (int a = 0; a < standing.length; a++) {
                int row = standing[a];
                target[a] = rankedOthers(clean, row, k, labels[row])[t];
                targetSeeds[a] = seeds[row] * 31 + t;
            }
            boolean[] found = run(network, x.getManager(), rows(original, standing, d), select(labels, standing),
                    target, epsilon, targetSeeds, d);
            for (int a = 0; a < standing.length; a++) {
                broken[standing[a]] |= found[a];
            }
        }
        return broken;
    }

    /**
     * One APGD run of {@link #iterations} steps on every row. A row leaves the batch once broken: its result is
     * final, and every step is per row, so the rows still running follow the same path as in a full batch.
     */
    private boolean[] run(Network network, NDManager scope, float[] original, int[] labels, int[] target,
            double epsilon, long[] seeds, int d) {
        int n = labels.length;
        float[] delta = RandomStart.onSphere(norm, d, epsilon, seeds);
        norm.project(delta, d, epsilon);
        boolean[] broken = new boolean[n];
        double[] current = new double[n];
        float[] gradient = new float[n * d];
        evaluate(network, scope, original, delta, labels, target, standing(broken), d, broken, current, gradient);
        double[] step = new double[n];
        Arrays.fill(step, 2 * epsilon);
        double[] best = current.clone();
        float[] bestDelta = delta.clone();
        float[] bestGradient = gradient.clone();
        float[] previous = delta.clone();
        int[] raised = new int[n];
        double[] bestAtCheckpoint = best.clone();
        boolean[] reducedAtCheckpoint = new boolean[n];
        int lastCheckpoint = 0;
        int nextCheckpoint = 0;
        double[] values = new double[n];
        for (int it = 0; it < iterations; it++) {
            int[] active = standing(broken);
            if (active.length == 0) {
                break;
            }
            float[] direction = norm.steepestAscent(gradient, d);
            float[] next = delta.clone();
            double a = it == 0 ? 1 : MOMENTUM;
            float[] z = new float[d];
            float[] row = new float[d];
            for (int r : active) {
                for (int i = 0; i < d; i++) {
                    z[i] = (float) (delta[r * d + i] + step[r] * direction[r * d + i]);
                }
                norm.project(z, d, epsilon);
                for (int i = 0; i < d; i++) {
                    int at0 = r * d + i;
                    row[i] = (float) (delta[at0] + a * (z[i] - delta[at0]) + (1 - a) * (delta[at0] - previous[at0]));
                }
                norm.project(row, d, epsilon);
                System.arraycopy(row, 0, next, r * d, d);
            }
            previous = delta;
            delta = next;
            evaluate(network, scope, original, delta, labels, target, active, d, broken, values, gradient);
            for (int r : active) {
                if (values[r] > current[r]) {
                    raised[r]++;
                }
                current[r] = values[r];
                if (current[r] > best[r]) {
                    best[r] = current[r];
                    System.arraycopy(delta, r * d, bestDelta, r * d, d);
                    System.arraycopy(gradient, r * d, bestGradient, r * d, d);
                }
            }
            if (nextCheckpoint < checkpoints.length && it + 1 == checkpoints[nextCheckpoint]) {
                int window = checkpoints[nextCheckpoint] - lastCheckpoint;
                for (int r : active) {
                    boolean oscillating = raised[r] < RHO * window;
                    // Not halved at the last checkpoint (so the same step) and no better loss since it.
                    boolean stalled = !reducedAtCheckpoint[r] && best[r] <= bestAtCheckpoint[r];
                    reducedAtCheckpoint[r] = oscillating || stalled;
                    if (reducedAtCheckpoint[r]) {
                        step[r] /= 2;
                        // Restart from the best point, without momentum from before it.
                        System.arraycopy(bestDelta, r * d, delta, r * d, d);
                        System.arraycopy(bestDelta, r * d, previous, r * d, d);
                        System.arraycopy(bestGradient, r * d, gradient, r * d, d);
                        current[r] = best[r];
                    }
                    raised[r] = 0;
                    bestAtCheckpoint[r] = best[r];
                }
                lastCheckpoint = checkpoints[nextCheckpoint++];
            }
        }
        return broken;
    }

    /** The loss and its input gradient at {@code original + delta} for the given rows, written into their rows. */
    private void evaluate(Network network, NDManager scope, float[] original, float[] delta, int[] labels,
            int[] target, int[] rows, int d, boolean[] broken, double[] values, float[] gradient) {
        int[] rowLabels = select(labels, rows);
        LossGradient at = LossGradient.at(network, scope, Pgd.add(rows(original, rows, d), rows(delta, rows, d)),
                rowLabels, target == null ? null : select(target, rows), loss);
        boolean[] found = new boolean[rows.length];
        Pgd.markBroken(at.logits(), rowLabels, network.numClasses(), found);
        for (int a = 0; a < rows.length; a++) {
            broken[rows[a]] |= found[a];
            values[rows[a]] = at.values()[a];
            System.arraycopy(at.gradient(), a * d, gradient, rows[a] * d, d);
        }
    }

    private static int[] standing(boolean[] broken) {
        int[] rows = new int[broken.length];
        int m = 0;
        for (int row = 0; row < broken.length; row++) {
            if (!broken[row]) {
                rows[m++] = row;
            }
        }
        return Arrays.copyOf(rows, m);
    }

    private static float[] rows(float[] values, int[] rows, int d) {
        float[] selected = new float[rows.length * d];
        for (int a = 0; a < rows.length; a++) {
            System.arraycopy(values, rows[a] * d, selected, a * d, d);
        }
        return selected;
    }

    private static int[] select(int[] values, int[] rows) {
        return Arrays.stream(rows).map(row -> values[row]).toArray();
    }

    /** The classes other than the label, by decreasing clean logit. */
    private static int[] rankedOthers(float[] logits, int row, int k, int label) {
        return Arrays.stream(Losses.sortedDescending(logits, row, k)).filter(j -> j != label).toArray();
    }
}
