package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/** What a training step minimises, given the forward pass at the clean batch. */
public interface Objective {

    /** The forward mode of the step: Deep Defense fine-tunes with BatchNorm frozen. */
    Mode mode();

    /**
     * The scalar loss of the batch, in the autograd graph.
     *
     * @param x the clean batch (B, C, H, W)
     * @param first the forward pass at x in {@link #mode()}
     */
    Loss loss(Network network, NDArray x, ForwardPass first, int[] labels);

    /**
     * @param value the scalar loss, in the graph
     * @param meanRatio the batch mean of ‖Δx‖/‖x‖ where the objective computes one, else NaN
     * @param fired how often the objective's stabilisers fired in this batch
     */
    record Loss(NDArray value, double meanRatio, Stabilisers fired) {}

    /** Mean cross-entropy of the logits (B, K). */
    static NDArray crossEntropy(NDArray logits, int[] labels) {
        int k = Math.toIntExact(logits.getShape().get(1));
        NDArray oneHot = logits.getManager().create(labels).oneHot(k);
        return logits.logSoftmax(1).mul(oneHot).sum(new int[] {1}).mean().neg();
    }
}
