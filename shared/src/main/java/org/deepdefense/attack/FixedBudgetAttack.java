package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import org.deepdefense.nn.Network;

/** An attack that tries to misclassify each sample within a given budget ε of its norm (PGD, APGD, Square). */
public interface FixedBudgetAttack {
    Norm norm();

    /**
     * Attacks a batch x of shape (B, C, H, W); temporaries live in sub-managers of x's manager.
     *
     * @param seeds per sample, the seed of its random choices: the result of a sample does not depend on which
     *              other samples share its batch
     * @return per sample, whether some point the attack visited within the ε-ball is misclassified
     */
    boolean[] attack(Network network, NDArray x, int[] labels, double epsilon, long[] seeds);
}
