package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.deepdefense.nn.Network;

/**
 * Projected gradient descent (Madry et al. 2018) in an L∞ or L2 ball of radius ε: a seeded random start in the
 * ball, then {@code steps} steps of size stepFraction·ε along the steepest-ascent direction of the loss for the norm
 * (sign(∇) for L∞, ∇/‖∇‖₂ for L2), each projected back onto the ball around x. A sample counts as broken if any
 * iterate is misclassified. No clipping to the pixel range, as for the other attacks.
 */
public final class Pgd implements FixedBudgetAttack {
    /** The usual step size as a fraction of ε: 2.5/steps, enough to cross the ball and come back. */
    public static double usualStepFraction(int steps) {
        return 2.5 / steps;
    }

    private final Norm norm;
    private final int steps;
    private final double stepFraction;
    private final Loss loss;

    /**
     * @param steps        number of gradient steps
     * @param stepFraction step size as a fraction of ε ({@link #usualStepFraction} is the usual choice)
     */
    public Pgd(Norm norm, int steps, double stepFraction, Loss loss) {
        if (steps < 1 || !(stepFraction > 0)) {
            throw new IllegalArgumentException("need steps >= 1 and a positive step fraction, got " + steps + ", "
                    + stepFraction);
        }
        this.norm = norm;
        this.steps = steps;
        this.stepFraction = stepFraction;
        this.loss = loss;
    }

    @Override
    public Norm norm() {
        return norm;
    }

    @Override
    public boolean[] attack(Network network, NDArray x, int[] labels, double epsilon, long[] seeds) {
        return run(network, x, labels, epsilon, seeds).broken();
    }

    /** The last iterate per sample and whether any iterate was misclassified. */
    public record Run(float[] adversarial, boolean[] broken) {}

    public Run run(Network network, NDArray x, int[] labels, double epsilon, long[] seeds) {
        NDManager scope = x.getManager();
        int n = labels.length;
        int k = network.numClasses();
        float[] original = x.toFloatArray();
        int d = original.length / n;
        float[] delta = RandomStart.uniformInBall(norm, d, epsilon, seeds);
        boolean[] broken = new boolean[n];
        float stepSize = (float) (stepFraction * epsilon);
        for (int s = 0; s < steps; s++) {
            LossGradient at = LossGradient.at(network, scope, add(original, delta), labels, null, loss);
            markBroken(at.logits(), labels, k, broken);
            float[] direction = norm.steepestAscent(at.gradient(), d);
            for (int i = 0; i < delta.length; i++) {
                delta[i] += stepSize * direction[i];
            }
            norm.project(delta, d, epsilon);
        }
        float[] last = add(original, delta);
        markBroken(LossGradient.logits(network, scope, last, n), labels, k, broken);
        return new Run(last, broken);
    }

    static float[] add(float[] x, float[] delta) {
        float[] sum = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            sum[i] = x[i] + delta[i];
        }
        return sum;
    }

    static void markBroken(float[] logits, int[] labels, int k, boolean[] broken) {
        for (int row = 0; row < labels.length; row++) {
            broken[row] |= LossGradient.misclassified(logits, row, k, labels[row]);
        }
    }
}
