package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.GradMode;
import org.deepdefense.nn.HostTransfers;
import java.util.stream.IntStream;

/**
 * One linearised DeepFool step for a batch, shared by the evaluation attack and the unrolled training-time
 * version. For row a with source class s and target t it returns r = (|f_t − f_s| + 10⁻⁴)/‖w‖² · w with
 * w = ∇f_t − ∇f_s, where t is either fixed or the class j ≠ s with the smallest |f_j − f_s|/‖∇f_j − ∇f_s‖.
 *
 * <p>The choice of t is a constant of the step (DESIGN §1), so it is made on values computed without autograd.
 * When {@code differentiable}, w and the logit gap are then recomputed for the chosen class only, in the graph:
 * one seed per row instead of K keeps the recorded inverse pass, and the backward through it, K times smaller.
 */
public final class DeepFoolStep {
    /** Added to |f_t − f_s| so that the step crosses the boundary rather than landing on it. */
    static final float MARGIN = 1e-4f;
    private static final float MIN_SQUARED_NORM = 1e-8f;

    private DeepFoolStep() {}

    /**
     * @param r the step, shape (n, C, H, W), like the network's input gradients
     * @param stoppedByBound active rows that stopped because their step would have been longer than allowed
     */
    public record Step(NDArray r, int stoppedByBound) {}

    /**
     * @param pass the forward pass at the current points (n rows)
     * @param logits the values of {@code pass.logits()}, row-major n×K
     * @param source per row, the class to move away from
     * @param target per row, the class to move towards, or −1 to take the nearest boundary among all other classes
     * @param active rows that still move; the others get r = 0
     * @param maxStepNorm per row, the longest step ‖r‖ allowed, or null for no bound; a row whose step would be
     *     longer stops moving (its linearisation is meaningless that far away, and an unbounded chain of such steps
     *     overflows float32 in the unrolled graph, turning the gradient into NaN)
     * @param differentiable whether r must stay in the autograd graph (training) or not (evaluation)
     */
    public static Step step(ForwardPass pass, float[] logits, int[] source, int[] target, boolean[] active,
            float[] maxStepNorm, boolean differentiable) {
        int n = source.length;
        int k = logits.length / n;
        NDManager scope = pass.logits().getManager();
        int[] chosen = target.clone();
        NDArray allBoundaries = null;
        int[] choosing = rowsChoosing(target, active);
        if (choosing.length > 0) {
            // Rows that stopped or have a fixed target need no choice. When they are many, a pass at the choosing
            // rows alone costs less than their K − 1 boundary normals: the choice is then made there.
            ForwardPass choicePass = (long) (k - 1) * (n - choosing.length) > choosing.length
                    ? GradMode.withoutGradient(() -> pass.restrictedTo(choosing)).orElse(pass)
                    : pass;
            int[] choiceRows = choicePass == pass ? IntStream.range(0, n).toArray() : choosing;
            int m = choiceRows.length;
            // Row q·m + i holds ∇f_j − ∇f_source for the q-th candidate j ≠ source of choice row i: the K − 1
            // boundary normals of every row in one inverse pass (the source's own row would be zero work).
            int candidates = k - 1;
            float[] seeds = new float[candidates * m * k];
            for (int q = 0; q < candidates; q++) {
                for (int i = 0; i < m; i++) {
                    int s = source[choiceRows[i]];
                    int row = q * m + i;
                    seeds[row * k + candidate(q, s)] += 1;
                    seeds[row * k + s] -= 1;
                }
            }
            NDArray seedArray = scope.create(seeds, new Shape((long) candidates * m, k));
            NDArray boundaries = GradMode.withoutGradient(() -> choicePass.inputGradient(seedArray));
            float[] norms = HostTransfers.floats(boundaries.reshape((long) candidates * m, -1).norm(new int[] {1}));
            for (int i = 0; i < m; i++) {
                int a = choiceRows[i];
                if (active[a] && target[a] < 0) {
                    chosen[a] = nearestBoundary(logits, a, norms, i, m, k, source[a]);
                }
            }
            // Only normals of this pass's own rows can be reused for the step.
            allBoundaries = choicePass == pass ? boundaries : null;
        }
        float[] direction = new float[n * k];
        float[] activeMask = new float[n];
        for (int a = 0; a < n; a++) {
            if (active[a]) {
                direction[a * k + chosen[a]] += 1;
                direction[a * k + source[a]] -= 1;
                activeMask[a] = 1;
            }
        }
        NDArray seed = scope.create(direction, new Shape(n, k));
        NDArray w;
        if (differentiable || allBoundaries == null) {
            w = pass.inputGradient(seed);
        } else {
            // Reuse the rows already computed: pick row slot(chosen(a))·n + a for each a.
            float[] pick = new float[(k - 1) * n];
            for (int a = 0; a < n; a++) {
                if (active[a]) {
                    pick[slot(chosen[a], source[a]) * n + a] = 1;
                }
            }
            Shape sample = allBoundaries.getShape().slice(1);
            w = allBoundaries.reshape(new Shape(k - 1, n).addAll(sample))
                    .mul(scope.create(pick, new Shape(k - 1, n, 1, 1, 1)))
                    .sum(new int[] {0});
        }
        NDArray gap = pass.logits().mul(seed).sum(new int[] {1});
        NDArray squaredNorm = w.reshape(n, -1).square().sum(new int[] {1});
        // A row whose boundary normal (nearly) vanishes, e.g. all ReLUs off at an iterate, cannot take a DeepFool
        // step: r would be huge and 1/‖w‖⁴ in its derivative overflows to NaN. Such rows stop moving; their ‖w‖²
        // is replaced by a constant 1 so that no gradient flows through it.
        float[] squared = HostTransfers.floats(squaredNorm);
        float[] usable = new float[n];
        int stoppedByBound = 0;
        for (int a = 0; a < n; a++) {
            boolean bounded = true;
            if (maxStepNorm != null && activeMask[a] > 0) {
                double distance = Math.abs(logits[a * k + chosen[a]] - logits[a * k + source[a]]) + MARGIN;
                bounded = distance / Math.sqrt(squared[a]) <= maxStepNorm[a];
                stoppedByBound += bounded ? 0 : 1;
            }
            usable[a] = squared[a] >= MIN_SQUARED_NORM && bounded ? 1 : 0;
            activeMask[a] *= usable[a];
        }
        NDArray usableRows = scope.create(usable);
        NDArray safeSquaredNorm = squaredNorm.mul(usableRows).add(usableRows.neg().add(1));
        NDArray coefficient = gap.abs().add(MARGIN).div(safeSquaredNorm).mul(scope.create(activeMask));
        return new Step(w.mul(coefficient.reshape(n, 1, 1, 1)), stoppedByBound);
    }

    /** The active rows that choose their target (−1). */
    private static int[] rowsChoosing(int[] target, boolean[] active) {
        return IntStream.range(0, target.length).filter(a -> active[a] && target[a] < 0).toArray();
    }

    /** The q-th candidate class of a row whose source is {@code source}: the classes in order, the source skipped. */
    private static int candidate(int q, int source) {
        return q < source ? q : q + 1;
    }

    /** The inverse of {@link #candidate}: the slot of class j ≠ source. */
    private static int slot(int j, int source) {
        return j < source ? j : j - 1;
    }

    /** For row a of the logits, whose boundary normals' norms are row {@code normRow} of m in {@code norms}. */
    private static int nearestBoundary(float[] logits, int a, float[] norms, int normRow, int m, int k, int source) {
        int best = -1;
        double bestDistance = Double.POSITIVE_INFINITY;
        for (int q = 0; q < k - 1; q++) {
            int j = candidate(q, source);
            double gap = Math.abs(logits[a * k + j] - logits[a * k + source]);
            double distance = gap / Math.max(norms[q * m + normRow], Math.sqrt(MIN_SQUARED_NORM));
            // A NaN never compares smaller: with non-finite logits the first candidate is as good as any.
            if (best < 0 || distance < bestDistance) {
                bestDistance = distance;
                best = j;
            }
        }
        return best;
    }
}
