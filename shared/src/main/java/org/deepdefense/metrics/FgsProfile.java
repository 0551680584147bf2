package org.deepdefense.metrics;

import java.util.Arrays;
import org.deepdefense.util.PackedArrays;

/**
 * FGS accuracy at every ε from per-sample minimal FGS steps: the sorted minimal ε of the correctly classified
 * samples that a step within the line search's range broke. Small enough to travel in a report, so a report can be
 * re-read at another model's ε_ref (the paper takes ε_ref from the Deep Defense model for every model).
 *
 * @param samples  test samples
 * @param correct  correctly classified clean samples
 * @param broken   how many of them an FGS step broke
 * @param epsilons the broken samples' minimal ε, ascending, {@link PackedArrays#doubles packed}
 */
public record FgsProfile(int samples, int correct, int broken, String epsilons) {
    /** The accuracy at which ε_ref is taken: half the test set misclassified. */
    public static final double EPS_REF_ACCURACY = 0.5;

    public FgsProfile {
        if (samples < 1 || correct < 0 || correct > samples || broken < 0 || broken > correct) {
            throw new IllegalArgumentException("inconsistent FGS profile: " + samples + " samples, " + correct
                    + " correct, " + broken + " broken");
        }
        double[] values = PackedArrays.doubles(epsilons, broken);
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] > 0) || i > 0 && values[i] < values[i - 1]) {
                throw new IllegalArgumentException("FGS profile epsilons must be positive and ascending");
            }
        }
    }

    static FgsProfile of(boolean[] correct, double[] sizes, boolean[] fooled) {
        double[] broken = java.util.stream.IntStream.range(0, correct.length)
                .filter(i -> correct[i] && fooled[i]).mapToDouble(i -> sizes[i]).sorted().toArray();
        int right = 0;
        for (boolean c : correct) {
            right += c ? 1 : 0;
        }
        return new FgsProfile(correct.length, right, broken.length, PackedArrays.doubles(broken));
    }

    /** The share of samples still correct when a step of any size up to ε is allowed. */
    public double accuracyAt(double epsilon) {
        double[] values = PackedArrays.doubles(epsilons, broken);
        int index = Arrays.binarySearch(values, epsilon);
        int atMost;
        if (index < 0) {
            atMost = -index - 1;
        } else {
            atMost = index + 1;
            while (atMost < values.length && values[atMost] == epsilon) {
                atMost++;
            }
        }
        return (correct - atMost) / (double) samples;
    }

    /**
     * The smallest ε at which accuracy is at most {@link #EPS_REF_ACCURACY}; null when the clean accuracy is
     * already there (no reference scale) or no step in the search's range gets there.
     */
    public Double epsRef() {
        long needed = (long) Math.ceil(correct - EPS_REF_ACCURACY * samples);
        if (needed <= 0 || needed > broken) {
            return null;
        }
        return PackedArrays.doubles(epsilons, broken)[(int) needed - 1];
    }
}
