package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Fast gradient sign (Goodfellow et al. 2015): x + ε·sign(∇ₓ CE(f(x), y)), without clipping to the pixel range, as
 * in the paper's evaluation. The input gradient comes from the inverse network seeded with ∂CE/∂logits =
 * softmax − onehot, so no gradient collector is needed.
 */
public final class Fgs {
    private Fgs() {}

    /** sign(∇ₓ CE) for a batch x of shape (B, C, H, W), in x's manager. */
    public static NDArray gradientSign(Network network, NDArray x, int[] labels) {
        return crossEntropyInputGradient(network, x, labels).sign();
    }

    /** ∇ₓ CE(f(x), y) per sample (not divided by the batch size), shape (B, C, H, W). */
    public static NDArray crossEntropyInputGradient(Network network, NDArray x, int[] labels) {
        ForwardPass pass = network.forward(x, Mode.EVAL);
        NDArray logits = pass.logits();
        NDArray oneHot = x.getManager().create(labels).oneHot(network.numClasses()).toType(DataType.FLOAT32, false);
        return pass.inputGradient(logits.softmax(1).sub(oneHot));
    }
}
