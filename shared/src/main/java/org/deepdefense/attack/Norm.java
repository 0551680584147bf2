package org.deepdefense.attack;

import org.deepdefense.util.Names;

/**
 * A threat model's norm. Sizes and budgets are measured in the network's input space (for MNIST-like data: 0–255
 * grey levels minus the training mean), per sample on the flattened input.
 */
public enum Norm {
    LINF("linf"), L2("l2");

    private final String label;

    Norm(String label) {
        this.label = label;
    }

    /** "linf" or "l2": the key of this norm in reports and messages. */
    public String label() {
        return label;
    }

    public static Norm parse(String label) {
        return Names.parse(values(), Norm::label, label, "norm");
    }

    /** ‖v[offset, offset + d)‖ in this norm. */
    public double size(float[] v, int offset, int d) {
        double size = 0;
        for (int i = offset; i < offset + d; i++) {
            size = this == LINF ? Math.max(size, Math.abs(v[i])) : size + (double) v[i] * v[i];
        }
        return this == LINF ? size : Math.sqrt(size);
    }

    /**
     * Replaces each row of {@code delta} (n rows of d values) by its projection onto the ball of radius ε: a clip
     * for L∞, a rescale of rows longer than ε for L2.
     */
    public void project(float[] delta, int d, double epsilon) {
        int n = delta.length / d;
        for (int row = 0; row < n; row++) {
            if (this == LINF) {
                float eps = (float) epsilon;
                for (int i = row * d; i < (row + 1) * d; i++) {
                    delta[i] = Math.max(-eps, Math.min(eps, delta[i]));
                }
            } else {
                double length = size(delta, row * d, d);
                if (length > epsilon) {
                    float scale = (float) (epsilon / length);
                    for (int i = row * d; i < (row + 1) * d; i++) {
                        delta[i] *= scale;
                    }
                }
            }
        }
    }

    /**
     * The steepest-ascent direction of unit size in this norm for each row of {@code gradient}: sign(g) for L∞,
     * g/‖g‖₂ for L2 (zero where g is zero). Positive rescaling of a row does not change it.
     */
    public float[] steepestAscent(float[] gradient, int d) {
        float[] direction = new float[gradient.length];
        for (int row = 0; row < gradient.length / d; row++) {
            if (this == LINF) {
                for (int i = row * d; i < (row + 1) * d; i++) {
                    direction[i] = Math.signum(gradient[i]);
                }
            } else {
                double length = L2.size(gradient, row * d, d);
                if (length > 0) {
                    for (int i = row * d; i < (row + 1) * d; i++) {
                        direction[i] = (float) (gradient[i] / length);
                    }
                }
            }
        }
        return direction;
    }
}
