package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import org.deepdefense.nn.Network;

/**
 * An attack that searches, per sample, the smallest perturbation that changes the network's decision (DeepFool,
 * C&W-L2, the FGS line search). Its result at any budget ε of its norm follows: a sample is broken at ε when it was
 * fooled with a perturbation of size at most ε.
 */
public interface MinimumNormAttack {
    Norm norm();

    /**
     * Attacks a batch x of shape (B, C, H, W) with its labels; temporaries live in sub-managers of x's manager.
     * Deterministic: the same batch gives the same result.
     */
    Perturbations minimalPerturbations(Network network, NDArray x, int[] labels);

    /**
     * @param sizes      per sample, the size in {@link #norm()} of the perturbation the attack ended with (0 for a
     *                   sample misclassified already; +∞ where the attack has none to offer)
     * @param fooled     whether x + that perturbation is misclassified (for DeepFool: moved off its prediction)
     * @param iterations per sample, the attack's iterations (search steps, line-search probes…)
     */
    record Perturbations(double[] sizes, boolean[] fooled, int[] iterations) {
        /** Whether sample i was fooled by a perturbation no larger than {@code budget}: broken at that budget. */
        public boolean brokenWithin(int i, double budget) {
            return fooled[i] && sizes[i] <= budget;
        }
    }
}
