package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/** Plain ("vanilla") training: mean cross-entropy, BatchNorm in training mode. */
public final class CrossEntropyObjective implements Objective {
    @Override
    public Mode mode() {
        return Mode.TRAIN;
    }

    @Override
    public Loss loss(Network network, NDArray x, ForwardPass first, int[] labels) {
        return new Loss(Objective.crossEntropy(first.logits(), labels), Double.NaN, Stabilisers.NONE);
    }
}
