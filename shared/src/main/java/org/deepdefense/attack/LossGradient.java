package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Logits, loss and input gradient of a batch at given points: one forward pass, the loss on the host, one inverse
 * pass seeded with ∂loss/∂logits. Arrays come back to Java; the step's temporaries die in their own sub-manager.
 *
 * @param logits   row-major n×K
 * @param values   the loss per row
 * @param gradient ∇ₓ loss per row, row-major n×D (rows may be rescaled by a positive factor, see {@link Loss})
 */
public record LossGradient(float[] logits, double[] values, float[] gradient) {

    public static LossGradient at(Network network, NDManager scope, float[] points, int[] labels, int[] targets,
            Loss loss) {
        int n = labels.length;
        int k = network.numClasses();
        try (NDManager step = scope.newSubManager()) {
            ForwardPass pass = network.forward(step.create(points, new Shape(n).addAll(network.inputShape())),
                    Mode.EVAL);
            float[] logits = pass.logits().toFloatArray();
            Loss.Evaluated evaluated = loss.evaluate(logits, k, labels, targets);
            float[] gradient = pass.inputGradient(step.create(evaluated.seeds(), new Shape(n, k))).toFloatArray();
            return new LossGradient(logits, evaluated.values(), gradient);
        }
    }

    /** Logits at the points, without gradients. */
    public static float[] logits(Network network, NDManager scope, float[] points, int n) {
        try (NDManager step = scope.newSubManager()) {
            NDArray x = step.create(points, new Shape(n).addAll(network.inputShape()));
            return network.logits(x).toFloatArray();
        }
    }

    /** Whether row {@code row} of the logits predicts something other than {@code label}. */
    public static boolean misclassified(float[] logits, int row, int k, int label) {
        return Logits.argMax(logits, row, k) != label;
    }
}
