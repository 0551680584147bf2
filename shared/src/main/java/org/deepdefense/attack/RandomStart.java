package org.deepdefense.attack;

import java.util.SplittableRandom;

/** Random points in an ε-ball, one generator per sample so that a sample's draw does not depend on its batch. */
final class RandomStart {
    private RandomStart() {}

    /** A uniform point in the ball for each row (n rows of d values), row r drawn from seeds[r]. */
    static float[] uniformInBall(Norm norm, int d, double epsilon, long[] seeds) {
        float[] noise = new float[d * seeds.length];
        for (int row = 0; row < seeds.length; row++) {
            SplittableRandom random = new SplittableRandom(seeds[row]);
            if (norm == Norm.LINF) {
                for (int i = 0; i < d; i++) {
                    noise[row * d + i] = (float) ((random.nextDouble() * 2 - 1) * epsilon);
                }
                continue;
            }
            // A Gaussian direction, radius ε·U^(1/d): uniform in the L2 ball.
            double[] g = gaussians(random, d);
            double scale = epsilon * Math.pow(random.nextDouble(), 1.0 / d) / length(g);
            for (int i = 0; i < d; i++) {
                noise[row * d + i] = (float) (g[i] * scale);
            }
        }
        return noise;
    }

    /**
     * AutoAttack's start: L∞ a uniform draw in the cube rescaled so that its largest entry is ε; L2 a Gaussian
     * direction of length ε.
     */
    static float[] onSphere(Norm norm, int d, double epsilon, long[] seeds) {
        float[] noise = new float[d * seeds.length];
        for (int row = 0; row < seeds.length; row++) {
            SplittableRandom random = new SplittableRandom(seeds[row]);
            double[] t = norm == Norm.LINF ? uniforms(random, d) : gaussians(random, d);
            double size = 0;
            for (double v : t) {
                size = norm == Norm.LINF ? Math.max(size, Math.abs(v)) : size + v * v;
            }
            size = norm == Norm.LINF ? size : Math.sqrt(size);
            for (int i = 0; i < d; i++) {
                noise[row * d + i] = (float) (epsilon * t[i] / Math.max(size, 1e-12));
            }
        }
        return noise;
    }

    private static double[] uniforms(SplittableRandom random, int d) {
        double[] u = new double[d];
        for (int i = 0; i < d; i++) {
            u[i] = random.nextDouble() * 2 - 1;
        }
        return u;
    }

    static double[] gaussians(SplittableRandom random, int d) {
        double[] g = new double[d];
        for (int i = 0; i < d; i++) {
            double u = 1 - random.nextDouble();
            g[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
        }
        return g;
    }

    private static double length(double[] v) {
        double squared = 0;
        for (double x : v) {
            squared += x * x;
        }
        return Math.sqrt(squared);
    }
}
