package org.deepdefense.nn;

/** Helpers on logits copied to Java, row-major N×K. */
public final class Logits {
    private Logits() {}

    /** Index of the largest of the K values in row {@code row}. */
    public static int argMax(float[] logits, int row, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (logits[row * k + j] > logits[row * k + best]) {
                best = j;
            }
        }
        return best;
    }

    /** How many rows predict their label. */
    public static int correct(float[] logits, int[] labels, int k) {
        int correct = 0;
        for (int i = 0; i < labels.length; i++) {
            correct += argMax(logits, i, k) == labels[i] ? 1 : 0;
        }
        return correct;
    }
}
