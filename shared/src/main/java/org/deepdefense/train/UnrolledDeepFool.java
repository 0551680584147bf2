package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.deepdefense.attack.DeepFoolStep;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Training-time DeepFool, unrolled inside the autograd graph "like a recursive network": every iterate
 * x_{i+1} = x₀ + (1+overshoot)·Σr stays in the graph, so the Deep Defense regulariser can be differentiated with
 * respect to the weights through all steps. Correctly classified samples move away from their prediction
 * towards the nearest of all other classes; misclassified ones move towards their true label (two-class
 * DeepFool, source reset to the current prediction after each step). A sample is frozen once it reaches its goal.
 * Frozen samples leave the working batch, which shrinks the later forward and inverse passes.
 */
public final class UnrolledDeepFool {
    public static final int DEFAULT_ITERATIONS = 5;
    public static final double DEFAULT_OVERSHOOT = 0.02;
    /**
     * A single step longer than this multiple of ‖x‖ stops the sample: far beyond any perturbation the regulariser
     * rewards (it caps r at 2), and such steps, chained, overflowed float32 and made the gradient NaN (seen on
     * Fashion-MNIST after a few hundred fine-tuning steps).
     */
    static final double MAX_STEP_RATIO = 2;

    private final int maxIterations;
    private final double overshoot;

    public UnrolledDeepFool(int maxIterations, double overshoot) {
        if (maxIterations < 1 || !(overshoot >= 0)) {
            throw new IllegalArgumentException("need maxIterations >= 1 and overshoot >= 0, got " + maxIterations
                    + " and " + overshoot);
        }
        this.maxIterations = maxIterations;
        this.overshoot = overshoot;
    }

    /**
     * @param ratio ‖Δx‖₂/‖x‖₂ per sample, shape (B), in the graph
     * @param correct whether the network classified each sample correctly at x₀
     * @param iterations DeepFool steps taken per sample
     * @param stoppedByStepBound DeepFool steps (one per sample and iteration) not taken because they were longer than
     *     {@link #MAX_STEP_RATIO}·‖x‖
     */
    public record Perturbation(NDArray ratio, boolean[] correct, int[] iterations, int stoppedByStepBound) {}

    /**
     * @param x0 the clean batch (B, C, H, W), a constant
     * @param first the forward pass at x₀ (the one the cross-entropy uses; reused as DeepFool's first iterate)
     * @param labels true labels
     */
    public Perturbation perturb(Network network, NDArray x0, ForwardPass first, int[] labels) {
        NDManager scope = x0.getManager();
        int b = labels.length;
        int k = network.numClasses();
        float[] logits = HostTransfers.floats(first.logits());
        int[] predicted0 = new int[b];
        boolean[] correct = new boolean[b];
        int[] source = new int[b];
        int[] target = new int[b];
        for (int i = 0; i < b; i++) {
            predicted0[i] = Logits.argMax(logits, i, k);
            correct[i] = predicted0[i] == labels[i];
            source[i] = predicted0[i];
            target[i] = correct[i] ? -1 : labels[i];
        }
        int[] iterations = new int[b];
        float[] maxStep = maxStepNorms(x0, b);
        int[] rows = range(b);
        ForwardPass pass = first;
        NDArray total = null; // Σr over all steps, (B, C, H, W), in the graph
        float scale = (float) (1 + overshoot);
        int stoppedByStepBound = 0;
        for (int it = 0; it < maxIterations; it++) {
            int n = rows.length;
            // While every sample still moves, gathering and scattering rows is the identity and is skipped.
            NDArray select = n == b ? null : selection(scope, rows, b);
            if (it > 0) {
                NDArray x = x0.reshape(b, -1).add(total.reshape(b, -1).mul(scale));
                pass = network.forward(select == null ? x : select.matMul(x), Mode.EVAL);
                logits = HostTransfers.floats(pass.logits());
            }
            int[] rowSource = new int[n];
            int[] rowTarget = new int[n];
            boolean[] active = new boolean[n];
            int stillActive = 0;
            for (int a = 0; a < n; a++) {
                int i = rows[a];
                int now = Logits.argMax(logits, a, k);
                // Correct samples are done once fooled; misclassified ones once they reach their label.
                active[a] = correct[i] ? now == predicted0[i] : now != labels[i];
                if (!correct[i]) {
                    source[i] = now;
                }
                rowSource[a] = source[i];
                rowTarget[a] = target[i];
                stillActive += active[a] ? 1 : 0;
            }
            if (stillActive == 0) {
                break;
            }
            float[] rowMaxStep = new float[n];
            for (int a = 0; a < n; a++) {
                rowMaxStep[a] = maxStep[rows[a]];
            }
            DeepFoolStep.Step step = DeepFoolStep.step(pass, logits, rowSource, rowTarget, active, rowMaxStep, true);
            NDArray r = step.r();
            stoppedByStepBound += step.stoppedByBound();
            NDArray scattered = select == null ? r : select.transpose().matMul(r.reshape(n, -1));
            total = total == null ? scattered : total.reshape(b, -1).add(scattered.reshape(b, -1));
            int[] next = new int[stillActive];
            int m = 0;
            for (int a = 0; a < n; a++) {
                if (active[a]) {
                    iterations[rows[a]]++;
                    next[m++] = rows[a];
                }
            }
            rows = next;
        }
        NDArray flatX = x0.reshape(b, -1);
        // √(Σ Δx² + tiny): the plain norm's derivative is 0/0 = NaN for a sample that never moved.
        NDArray perturbationNorm = total.reshape(b, -1).mul(scale).square().sum(new int[] {1}).add(1e-12f).sqrt();
        NDArray ratio = perturbationNorm.div(flatX.norm(new int[] {1}).maximum(1e-12f));
        return new Perturbation(ratio, correct, iterations, stoppedByStepBound);
    }

    /** MAX_STEP_RATIO·‖x₀‖ per sample. */
    private static float[] maxStepNorms(NDArray x0, int b) {
        float[] x = HostTransfers.floats(x0);
        int d = x.length / b;
        float[] bound = new float[b];
        for (int i = 0; i < b; i++) {
            double squared = 0;
            for (int j = 0; j < d; j++) {
                squared += (double) x[i * d + j] * x[i * d + j];
            }
            bound[i] = (float) (MAX_STEP_RATIO * Math.sqrt(squared));
        }
        return bound;
    }

    /** The constant (n, B) matrix that picks rows {@code rows} of a (B, D) matrix; its transpose scatters them back. */
    private static NDArray selection(NDManager scope, int[] rows, int b) {
        float[] p = new float[rows.length * b];
        for (int a = 0; a < rows.length; a++) {
            p[a * b + rows[a]] = 1;
        }
        return scope.create(p, new Shape(rows.length, b));
    }

    private static int[] range(int n) {
        int[] range = new int[n];
        for (int i = 0; i < n; i++) {
            range[i] = i;
        }
        return range;
    }
}
