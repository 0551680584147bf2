package org.deepdefense.metrics;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A fixed geometric grid of FGS budgets, for when the test set is split over machines: the bisection for ε_ref
 * needs the accuracy of the whole test set at ε values it picks one after the other, which no shard can know.
 * Instead every shard counts its correct images at every grid point and at 0.2 and 0.5 of it; the merged counts
 * give ε_ref to the grid's resolution (a factor 2^(1/perOctave)) and the accuracies at its ratios exactly.
 *
 * @param min       the smallest reference ε
 * @param octaves   reference ε values span {@code min .. min·2^octaves}
 * @param perOctave reference points per doubling of ε
 */
public record FgsGrid(double min, int octaves, int perOctave) {
    /** The paper's FGS budgets, as fractions of ε_ref; each shard measures every grid point at each. */
    public static final double[] RATIOS = {0.2, 0.5, 1.0};

    public FgsGrid {
        if (!(min > 0) || !Double.isFinite(min) || octaves < 1 || perOctave < 1) {
            throw new IllegalArgumentException("FGS grid needs min > 0, octaves >= 1, perOctave >= 1; got "
                    + min + ", " + octaves + ", " + perOctave);
        }
    }

    /** Number of reference ε values. */
    public int size() {
        return octaves * perOctave + 1;
    }

    public double reference(int k) {
        return min * Math.pow(2, k / (double) perOctave);
    }

    /** Every ε a shard measures: ratio-major, {@code RATIOS[r] · reference(k)} at {@code r · size() + k}. */
    public double[] epsilons() {
        double[] epsilons = new double[RATIOS.length * size()];
        for (int r = 0; r < RATIOS.length; r++) {
            for (int k = 0; k < size(); k++) {
                epsilons[r * size() + k] = RATIOS[r] * reference(k);
            }
        }
        return epsilons;
    }

    /**
     * ε_ref and the FGS accuracies at its ratios, from whole-test-set counts. Like the bisection, ε_ref is 0 when
     * the clean accuracy is already at most {@code accuracy}, and null when no grid point gets there.
     *
     * @param clean   correctly classified clean images
     * @param correct correctly classified images at each of {@link #epsilons()}
     * @param samples test set size
     * @return ε_ref (null: not reached) and accuracy by ratio ("0.2", "0.5", "1.0"; empty unless ε_ref > 0)
     */
    public Result epsRef(long clean, long[] correct, int samples, double accuracy) {
        if (correct.length != RATIOS.length * size()) {
            throw new IllegalArgumentException("expected " + RATIOS.length * size() + " counts, got " + correct.length);
        }
        if (clean / (double) samples <= accuracy) {
            return new Result(0.0, Map.of());
        }
        int full = RATIOS.length - 1;
        for (int k = 0; k < size(); k++) {
            if (correct[full * size() + k] / (double) samples <= accuracy) {
                Map<String, Double> byRatio = new LinkedHashMap<>();
                for (int r = 0; r < RATIOS.length; r++) {
                    byRatio.put(String.format(Locale.ROOT, "%.1f", RATIOS[r]),
                            correct[r * size() + k] / (double) samples);
                }
                return new Result(reference(k), byRatio);
            }
        }
        return new Result(null, Map.of());
    }

    public record Result(Double epsRef, Map<String, Double> accuracyByRatio) {}
}
