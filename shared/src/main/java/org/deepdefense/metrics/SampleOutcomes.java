package org.deepdefense.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;

/**
 * What an evaluation found for each sample of a contiguous range of the test set. Everything in a report follows
 * from these; the outcomes of consecutive ranges concatenate into those of their union, which is how shards merge:
 * exactly, whatever the number of replicas.
 *
 * @param correct         clean prediction equals the label
 * @param saturated       the float32 softmax of the predicted class is exactly 1
 * @param zeroGradient    the paper's float32 cross-entropy input gradient is exactly zero
 * @param inputNorms      ‖x‖₂ of each preprocessed input
 * @param minimumNorm     by attack, its per-sample result
 * @param fixedBudget     per attack, norm and budget (in suite order), which samples it broke
 * @param doubled         the same for the masking check that reruns an attack with twice its iterations on a sample
 *                        of what still stood after the suite
 * @param seconds         wall time per attack over this range
 */
public record SampleOutcomes(int size, boolean[] correct, boolean[] saturated, boolean[] zeroGradient,
        double[] inputNorms, Map<String, Perturbations> minimumNorm, List<BudgetOutcome> fixedBudget,
        List<BudgetOutcome> doubled, Map<String, Double> seconds) {

    /** Which samples one fixed-budget attack broke at one budget. */
    public record BudgetOutcome(String attack, Norm norm, double epsilon, boolean[] broken) {
        boolean sameRun(BudgetOutcome other) {
            return attack.equals(other.attack) && norm == other.norm && epsilon == other.epsilon;
        }
    }

    public SampleOutcomes {
        for (boolean[] column : List.of(correct, saturated, zeroGradient)) {
            requireSize(column.length, size, "per-sample flags");
        }
        requireSize(inputNorms.length, size, "input norms");
        minimumNorm.forEach((attack, p) -> {
            requireSize(p.sizes().length, size, attack + " sizes");
            requireSize(p.fooled().length, size, attack + " fooled flags");
            requireSize(p.iterations().length, size, attack + " iterations");
        });
        for (BudgetOutcome outcome : fixedBudget) {
            requireSize(outcome.broken().length, size, outcome.attack() + " results");
        }
        for (BudgetOutcome outcome : doubled) {
            requireSize(outcome.broken().length, size, outcome.attack() + " check results");
        }
    }

    private static void requireSize(int length, int size, String what) {
        if (length != size) {
            throw new IllegalArgumentException(what + " cover " + length + " samples, expected " + size);
        }
    }

    /**
     * The outcomes of consecutive ranges, in order, as one.
     *
     * @throws IllegalArgumentException if the parts did not run the same attacks at the same budgets
     */
    public static SampleOutcomes concat(List<SampleOutcomes> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("nothing to concatenate");
        }
        SampleOutcomes first = parts.get(0);
        for (SampleOutcomes part : parts) {
            if (!part.minimumNorm.keySet().equals(first.minimumNorm.keySet())
                    || !sameRuns(part.fixedBudget, first.fixedBudget) || !sameRuns(part.doubled, first.doubled)) {
                throw new IllegalArgumentException("parts ran different attacks or budgets");
            }
        }
        int size = parts.stream().mapToInt(SampleOutcomes::size).sum();
        Map<String, Perturbations> minimumNorm = new LinkedHashMap<>();
        for (String attack : first.minimumNorm.keySet()) {
            minimumNorm.put(attack, new Perturbations(
                    concatDoubles(parts, p -> p.minimumNorm.get(attack).sizes()),
                    concatFlags(parts, p -> p.minimumNorm.get(attack).fooled()),
                    concatInts(parts, p -> p.minimumNorm.get(attack).iterations())));
        }
        Map<String, Double> seconds = new LinkedHashMap<>();
        parts.forEach(p -> p.seconds.forEach((attack, s) -> seconds.merge(attack, s, Double::sum)));
        return new SampleOutcomes(size, concatFlags(parts, SampleOutcomes::correct),
                concatFlags(parts, SampleOutcomes::saturated), concatFlags(parts, SampleOutcomes::zeroGradient),
                concatDoubles(parts, SampleOutcomes::inputNorms), minimumNorm,
                concatRuns(parts, SampleOutcomes::fixedBudget), concatRuns(parts, SampleOutcomes::doubled), seconds);
    }

    private static boolean sameRuns(List<BudgetOutcome> a, List<BudgetOutcome> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            if (!a.get(i).sameRun(b.get(i))) {
                return false;
            }
        }
        return true;
    }

    private static List<BudgetOutcome> concatRuns(List<SampleOutcomes> parts,
            java.util.function.Function<SampleOutcomes, List<BudgetOutcome>> runs) {
        List<BudgetOutcome> merged = new ArrayList<>();
        List<BudgetOutcome> template = runs.apply(parts.get(0));
        for (int i = 0; i < template.size(); i++) {
            int index = i;
            BudgetOutcome run = template.get(i);
            merged.add(new BudgetOutcome(run.attack(), run.norm(), run.epsilon(),
                    concatFlags(parts, p -> runs.apply(p).get(index).broken())));
        }
        return merged;
    }

    private static boolean[] concatFlags(List<SampleOutcomes> parts,
            java.util.function.Function<SampleOutcomes, boolean[]> column) {
        boolean[] all = new boolean[parts.stream().mapToInt(SampleOutcomes::size).sum()];
        int at = 0;
        for (SampleOutcomes part : parts) {
            System.arraycopy(column.apply(part), 0, all, at, part.size());
            at += part.size();
        }
        return all;
    }

    private static double[] concatDoubles(List<SampleOutcomes> parts,
            java.util.function.Function<SampleOutcomes, double[]> column) {
        return parts.stream().flatMapToDouble(p -> Arrays.stream(column.apply(p))).toArray();
    }

    private static int[] concatInts(List<SampleOutcomes> parts,
            java.util.function.Function<SampleOutcomes, int[]> column) {
        return parts.stream().flatMapToInt(p -> Arrays.stream(column.apply(p))).toArray();
    }
}
