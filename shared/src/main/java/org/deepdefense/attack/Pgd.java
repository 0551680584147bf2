package org.deepdefense.attack;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.SplittableRandom;
import org.deepdefense.nn.Network;

/**
 * Projected gradient descent (Madry et al. 2018) in an L∞ or L2 ball of radius ε: a seeded random start in the
 * ball, then {@code steps} steps of size stepFraction·ε along the steepest-ascent direction of the cross-entropy
 * for the norm (sign(∇) for L∞, ∇/‖∇‖₂ for L2), each projected back onto the ball around x. No clipping to the
 * pixel range, as for the other attacks.
 */
public final class Pgd {
    /** The threat model's norm. */
    public enum Norm {
        LINF("Linf"), L2("L2");

        private final String label;

        Norm(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The usual step size as a fraction of ε: 2.5/steps, enough to cross the ball and come back. */
    public static double usualStepFraction(int steps) {
        return 2.5 / steps;
    }

    private final Norm norm;
    private final int steps;
    private final double stepFraction;
    private final boolean randomStart;

    /**
     * @param steps number of gradient steps
     * @param stepFraction step size as a fraction of ε ({@link #usualStepFraction} is the usual choice)
     */
    public Pgd(Norm norm, int steps, double stepFraction, boolean randomStart) {
        if (steps < 1 || !(stepFraction > 0)) {
            throw new IllegalArgumentException("need steps >= 1 and a positive step fraction, got " + steps + ", "
                    + stepFraction);
        }
        this.norm = norm;
        this.steps = steps;
        this.stepFraction = stepFraction;
        this.randomStart = randomStart;
    }

    /** Adversarial examples for the batch x (B, C, H, W) at radius ε; temporaries die with each step. */
    public NDArray attack(Network network, NDArray x, int[] labels, double epsilon, long seed) {
        NDManager scope = x.getManager();
        float[] start = x.toFloatArray();
        if (randomStart) {
            float[] noise = randomPointInBall(start.length / labels.length, labels.length, epsilon, seed);
            for (int i = 0; i < start.length; i++) {
                start[i] += noise[i];
            }
        }
        NDArray adversarial = scope.create(start, x.getShape());
        float stepSize = (float) (stepFraction * epsilon);
        for (int s = 0; s < steps; s++) {
            try (NDManager step = scope.newSubManager()) {
                NDArray current = adversarial.duplicate();
                current.attach(step);
                NDArray moved = current.add(direction(network, current, labels).mul(stepSize));
                adversarial.set(project(moved.sub(x), epsilon).add(x).toFloatArray());
            }
        }
        return adversarial;
    }

    private NDArray direction(Network network, NDArray x, int[] labels) {
        if (norm == Norm.LINF) {
            return Fgs.gradientSign(network, x, labels);
        }
        NDArray gradient = Fgs.crossEntropyInputGradient(network, x, labels);
        return gradient.div(rowNorms(gradient).add(1e-12f));
    }

    /** δ projected onto the ε-ball of the norm. */
    private NDArray project(NDArray delta, double epsilon) {
        float eps = (float) epsilon;
        if (norm == Norm.LINF) {
            return delta.clip(-eps, eps);
        }
        return delta.mul(rowNorms(delta).add(1e-12f).pow(-1).mul(eps).minimum(1f));
    }

    /** ‖row‖₂ of each sample, shaped (B, 1, ..., 1) to broadcast against the batch. */
    private static NDArray rowNorms(NDArray batch) {
        int[] axes = new int[batch.getShape().dimension() - 1];
        for (int i = 0; i < axes.length; i++) {
            axes[i] = i + 1;
        }
        return batch.square().sum(axes, true).sqrt();
    }

    /** A uniform point in the ε-ball for each of {@code samples} rows of {@code d} values. */
    private float[] randomPointInBall(int d, int samples, double epsilon, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] noise = new float[d * samples];
        for (int n = 0; n < samples; n++) {
            if (norm == Norm.LINF) {
                for (int i = 0; i < d; i++) {
                    noise[n * d + i] = (float) ((random.nextDouble() * 2 - 1) * epsilon);
                }
                continue;
            }
            // A Gaussian direction, radius ε·U^(1/d): uniform in the L2 ball.
            double[] g = new double[d];
            double squared = 0;
            for (int i = 0; i < d; i++) {
                g[i] = gaussian(random);
                squared += g[i] * g[i];
            }
            double scale = epsilon * Math.pow(random.nextDouble(), 1.0 / d) / Math.sqrt(squared);
            for (int i = 0; i < d; i++) {
                noise[n * d + i] = (float) (g[i] * scale);
            }
        }
        return noise;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }
}
