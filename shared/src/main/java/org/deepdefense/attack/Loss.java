package org.deepdefense.attack;

/**
 * An attacker's objective as a function of the logits, to be maximised. Values and their gradients with respect to
 * the logits are computed on the host, from the float32 logits, so that a loss can choose its own precision; the
 * input gradient is then one pass of the inverse network seeded with {@link Evaluated#seeds()}.
 */
public interface Loss {
    /** The name used in reports. */
    String name();

    /**
     * @param logits  row-major n×k
     * @param labels  true class per row
     * @param targets per row, the class a targeted loss aims at, or null for an untargeted loss
     * @return the loss per row and ∂loss/∂logits per row (n×k); a row's seed may be rescaled by a positive
     *     factor, which changes no steepest-ascent direction
     */
    Evaluated evaluate(float[] logits, int k, int[] labels, int[] targets);

    record Evaluated(double[] values, float[] seeds) {}
}
