package org.deepdefense.attack;

/**
 * The attack losses. Cross-entropy computed as the paper's code does it (float32 softmax minus one-hot) saturates on
 * confident models: once the float32 softmax of the true class rounds to 1, the −∇z_y term of its gradient vanishes
 * and only the rivals' tiny terms are left (or nothing at all). The other losses cannot saturate.
 */
public final class Losses {
    private Losses() {}

    /**
     * Cross-entropy from log-softmax in float64, each seed row divided by its largest magnitude so that it stays a
     * normal float32 however confident the model: for a true class far ahead the seed is −1 at y and
     * exp(z_j − logsumexp_{i≠y} z_i) at the rivals.
     */
    public static final Loss CROSS_ENTROPY = new Loss() {
        @Override
        public String name() {
            return "ce";
        }

        @Override
        public Evaluated evaluate(float[] logits, int k, int[] labels, int[] targets) {
            int n = labels.length;
            double[] values = new double[n];
            float[] seeds = new float[n * k];
            for (int row = 0; row < n; row++) {
                int y = labels[row];
                double rivals = logSumExpExcept(logits, row, k, y);
                double zy = logits[row * k + y];
                // CE = log(1 + exp(rivals − z_y)), without overflow either way.
                double gap = rivals - zy;
                values[row] = gap > 0 ? gap + Math.log1p(Math.exp(-gap)) : Math.log1p(Math.exp(gap));
                // softmax − onehot: rivals get p_j, y gets p_y − 1 = −Σ_{j≠y} p_j. When y leads, the row is
                // divided by Σ_{j≠y} p_j (which may underflow even in float64): y gets −1, rival j gets
                // p_j / Σ_{i≠y} p_i = exp(z_j − logsumexp_{i≠y} z_i).
                double pRivals = gap < 0 ? 1 : 1 / (1 + Math.exp(-gap));
                for (int j = 0; j < k; j++) {
                    seeds[row * k + j] = (float) (j == y ? -pRivals
                            : Math.exp(logits[row * k + j] - rivals) * pRivals);
                }
            }
            return new Evaluated(values, seeds);
        }
    };

    /** Cross-entropy's gradient exactly as the paper's code computes it: float32 softmax minus one-hot. */
    public static final Loss PAPER_CROSS_ENTROPY = new Loss() {
        @Override
        public String name() {
            return "ce-float32";
        }

        @Override
        public Evaluated evaluate(float[] logits, int k, int[] labels, int[] targets) {
            int n = labels.length;
            double[] values = new double[n];
            float[] seeds = new float[n * k];
            for (int row = 0; row < n; row++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int j = 0; j < k; j++) {
                    max = Math.max(max, logits[row * k + j]);
                }
                float sum = 0;
                float[] e = new float[k];
                for (int j = 0; j < k; j++) {
                    e[j] = (float) Math.exp(logits[row * k + j] - max);
                    sum += e[j];
                }
                for (int j = 0; j < k; j++) {
                    seeds[row * k + j] = e[j] / sum - (j == labels[row] ? 1f : 0f);
                }
                values[row] = -Math.log(e[labels[row]] / sum);
            }
            return new Evaluated(values, seeds);
        }
    };

    /**
     * Carlini–Wagner margin: max_{j≠y} z_j − z_y untargeted, z_t − z_y targeted. Positive once the sample is
     * misclassified (towards t).
     */
    public static final Loss MARGIN = new Loss() {
        @Override
        public String name() {
            return "margin";
        }

        @Override
        public Evaluated evaluate(float[] logits, int k, int[] labels, int[] targets) {
            int n = labels.length;
            double[] values = new double[n];
            float[] seeds = new float[n * k];
            for (int row = 0; row < n; row++) {
                int y = labels[row];
                int rival = targets != null ? targets[row] : strongestOther(logits, row, k, y);
                values[row] = (double) logits[row * k + rival] - logits[row * k + y];
                seeds[row * k + rival] += 1;
                seeds[row * k + y] -= 1;
            }
            return new Evaluated(values, seeds);
        }
    };

    /** The DLR denominator z_π1 − z_π3 needs a third class; the targeted one's z_π1 − (z_π3 + z_π4)/2 a fourth. */
    static final int DLR_MIN_CLASSES = 3;
    static final int TARGETED_DLR_MIN_CLASSES = 4;

    /**
     * Difference of logits ratio (Croce and Hein 2020), maximised: untargeted
     * −(z_y − max_{j≠y} z_j)/(z_π1 − z_π3); targeted −(z_y − z_t)/(z_π1 − (z_π3 + z_π4)/2), with π the classes
     * sorted by logit. Invariant to shifting and rescaling the logits, so it cannot saturate. The gradient includes
     * the denominator's.
     */
    public static final Loss DLR = new Loss() {
        private static final double TINY = 1e-12;

        @Override
        public String name() {
            return "dlr";
        }

        @Override
        public Evaluated evaluate(float[] logits, int k, int[] labels, int[] targets) {
            int needed = targets != null ? TARGETED_DLR_MIN_CLASSES : DLR_MIN_CLASSES;
            if (k < needed) {
                throw new IllegalArgumentException("DLR needs at least " + needed + " classes, got " + k);
            }
            int n = labels.length;
            double[] values = new double[n];
            float[] seeds = new float[n * k];
            for (int row = 0; row < n; row++) {
                int[] order = sortedDescending(logits, row, k);
                int y = labels[row];
                int rival = targets != null ? targets[row] : strongestOther(logits, row, k, y);
                double numerator = (double) logits[row * k + y] - logits[row * k + rival];
                double denominator;
                double[] dDenominator = new double[k];
                dDenominator[order[0]] += 1;
                if (targets == null) {
                    denominator = (double) logits[row * k + order[0]] - logits[row * k + order[2]];
                    dDenominator[order[2]] -= 1;
                } else {
                    denominator = logits[row * k + order[0]]
                            - 0.5 * ((double) logits[row * k + order[2]] + logits[row * k + order[3]]);
                    dDenominator[order[2]] -= 0.5;
                    dDenominator[order[3]] -= 0.5;
                }
                denominator += TINY;
                values[row] = -numerator / denominator;
                // d(−u/v) = −du/v + u·dv/v²
                double[] g = new double[k];
                g[y] -= 1 / denominator;
                g[rival] += 1 / denominator;
                for (int j = 0; j < k; j++) {
                    g[j] += numerator * dDenominator[j] / (denominator * denominator);
                }
                double largest = 0;
                for (double v : g) {
                    largest = Math.max(largest, Math.abs(v));
                }
                for (int j = 0; j < k; j++) {
                    seeds[row * k + j] = largest > 0 ? (float) (g[j] / largest) : 0f;
                }
            }
            return new Evaluated(values, seeds);
        }
    };

    /** The class other than {@code label} with the largest logit in the row. */
    static int strongestOther(float[] logits, int row, int k, int label) {
        int rival = label == 0 ? 1 : 0;
        for (int j = 0; j < k; j++) {
            if (j != label && logits[row * k + j] > logits[row * k + rival]) {
                rival = j;
            }
        }
        return rival;
    }

    /** The row's classes by decreasing logit. */
    static int[] sortedDescending(float[] logits, int row, int k) {
        Integer[] order = new Integer[k];
        for (int j = 0; j < k; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[row * k + b], logits[row * k + a]));
        int[] sorted = new int[k];
        for (int j = 0; j < k; j++) {
            sorted[j] = order[j];
        }
        return sorted;
    }

    private static double logSumExpExcept(float[] logits, int row, int k, int excluded) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            if (j != excluded) {
                max = Math.max(max, logits[row * k + j]);
            }
        }
        double sum = 0;
        for (int j = 0; j < k; j++) {
            if (j != excluded) {
                sum += Math.exp(logits[row * k + j] - max);
            }
        }
        return max + Math.log(sum);
    }
}
