package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;
import org.deepdefense.nn.Network;

/**
 * Projected gradient descent in the L∞ ball (Madry et al. 2018): a seeded random start in the ball, then
 * {@code steps} signed-gradient steps of size {@code stepSize}, each projected back onto the ε-ball around x.
 */
public final class Pgd {
    private final int steps;
    private final double stepFraction;
    private final boolean randomStart;

    /**
     * @param steps number of gradient steps
     * @param stepFraction step size as a fraction of ε (2.5/steps is the usual choice)
     */
    public Pgd(int steps, double stepFraction, boolean randomStart) {
        if (steps < 1 || !(stepFraction > 0)) {
            throw new IllegalArgumentException("need steps >= 1 and a positive step fraction, got " + steps + ", "
                    + stepFraction);
        }
        this.steps = steps;
        this.stepFraction = stepFraction;
        this.randomStart = randomStart;
    }

    /** Adversarial examples for the batch x (B, C, H, W) at L∞ radius ε; temporaries die with each step. */
    public NDArray attack(Network network, NDArray x, int[] labels, double epsilon, long seed) {
        NDManager scope = x.getManager();
        float eps = (float) epsilon;
        float[] start = x.toFloatArray();
        if (randomStart) {
            SplittableRandom random = new SplittableRandom(seed);
            for (int i = 0; i < start.length; i++) {
                start[i] += (float) ((random.nextDouble() * 2 - 1) * eps);
            }
        }
        NDArray adversarial = scope.create(start, x.getShape());
        for (int s = 0; s < steps; s++) {
            try (NDManager step = scope.newSubManager()) {
                NDArray current = adversarial.duplicate();
                current.attach(step);
                NDArray moved = current.add(Fgs.gradientSign(network, current, labels).mul((float) (stepFraction * eps)));
                NDArray projected = moved.sub(x).clip(-eps, eps).add(x);
                adversarial.set(projected.toFloatArray());
            }
        }
        return adversarial;
    }
}
