package org.deepdefense.messages;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.Attacks;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.metrics.SampleOutcomes;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;
import org.deepdefense.util.PackedArrays;

/**
 * {@link SampleOutcomes} as JSON: each per-sample array packed as Base64 ({@link PackedArrays}: flags as bitsets,
 * numbers as float64), about 2 KB per 1,000 samples per flag column.
 *
 * @param correct      flags: clean prediction right
 * @param saturated    flags: float32 softmax exactly 1
 * @param zeroGradient flags: float32 cross-entropy input gradient exactly zero
 * @param inputNorms   float64: ‖x‖₂
 * @param minimumNorm  by attack: sizes (float64), fooled (flags), iterations (int32)
 * @param fixedBudget  per attack, norm and budget, in suite order: the samples broken (flags)
 * @param doubled      the doubled-iterations check, likewise
 * @param attackSeconds wall time per attack over the shard
 */
public record PackedOutcomes(
        String correct,
        String saturated,
        String zeroGradient,
        String inputNorms,
        Map<String, PackedPerturbations> minimumNorm,
        List<PackedRun> fixedBudget,
        List<PackedRun> doubled,
        Map<String, Double> attackSeconds) {

    /** Samples one shard may hold. */
    public static final int MAX_SAMPLES = 100_000;

    public record PackedPerturbations(String sizes, String fooled, String iterations) {}

    public record PackedRun(String attack, String norm, double epsilon, String broken) {}

    public PackedOutcomes {
        Check.required("outcomes.correct", correct);
        Check.required("outcomes.saturated", saturated);
        Check.required("outcomes.zeroGradient", zeroGradient);
        Check.required("outcomes.inputNorms", inputNorms);
        minimumNorm = Map.copyOf(Check.required("outcomes.minimumNorm", minimumNorm));
        fixedBudget = List.copyOf(Check.required("outcomes.fixedBudget", fixedBudget));
        doubled = List.copyOf(Check.required("outcomes.doubled", doubled));
        attackSeconds = Check.numbers("outcomes.attackSeconds", attackSeconds, "[0, inf)");
    }

    /** These outcomes without {@code attackSeconds}, which two runs of one shard do not share. */
    PackedOutcomes withoutTimes() {
        return new PackedOutcomes(correct, saturated, zeroGradient, inputNorms, minimumNorm, fixedBudget, doubled,
                Map.of());
    }

    public static PackedOutcomes of(SampleOutcomes o) {
        Map<String, PackedPerturbations> minimumNorm = new LinkedHashMap<>();
        o.minimumNorm().forEach((attack, p) -> minimumNorm.put(attack, new PackedPerturbations(
                PackedArrays.doubles(p.sizes()), PackedArrays.flags(p.fooled()), PackedArrays.ints(p.iterations()))));
        return new PackedOutcomes(PackedArrays.flags(o.correct()), PackedArrays.flags(o.saturated()),
                PackedArrays.flags(o.zeroGradient()), PackedArrays.doubles(o.inputNorms()), minimumNorm,
                pack(o.fixedBudget()), pack(o.doubled()), o.seconds());
    }

    private static List<PackedRun> pack(List<BudgetOutcome> runs) {
        return runs.stream().map(r -> new PackedRun(r.attack(), r.norm().label(), r.epsilon(),
                PackedArrays.flags(r.broken()))).toList();
    }

    /**
     * The outcomes of {@code samples} samples.
     *
     * @throws InvalidMessageException naming the field whose length, encoding or values are wrong
     */
    public SampleOutcomes unpack(int samples) {
        try {
            Map<String, Perturbations> perturbations = new LinkedHashMap<>();
            minimumNorm.forEach((attack, p) -> {
                double[] sizes = PackedArrays.doubles(p.sizes(), samples);
                for (double size : sizes) {
                    if (!(size >= 0)) {
                        throw new IllegalArgumentException(attack + " sizes must be non-negative, got " + size);
                    }
                }
                perturbations.put(attack, new Perturbations(sizes, PackedArrays.flags(p.fooled(), samples),
                        PackedArrays.ints(p.iterations(), samples)));
            });
            double[] norms = PackedArrays.doubles(inputNorms, samples);
            for (double norm : norms) {
                if (!(norm >= 0) || Double.isInfinite(norm)) {
                    throw new IllegalArgumentException("input norms must be finite and non-negative, got " + norm);
                }
            }
            return new SampleOutcomes(samples, PackedArrays.flags(correct, samples),
                    PackedArrays.flags(saturated, samples), PackedArrays.flags(zeroGradient, samples), norms,
                    perturbations, unpack(fixedBudget, samples), unpack(doubled, samples), attackSeconds);
        } catch (IllegalArgumentException e) {
            throw Check.fail("outcomes: %s", e.getMessage());
        }
    }

    private static List<BudgetOutcome> unpack(List<PackedRun> runs, int samples) {
        List<BudgetOutcome> unpacked = new ArrayList<>();
        for (PackedRun run : runs) {
            unpacked.add(new BudgetOutcome(run.attack(), Norm.parse(run.norm()), run.epsilon(),
                    PackedArrays.flags(run.broken(), samples)));
        }
        return unpacked;
    }

    /**
     * Checks that these outcomes are what a shard of {@code samples} samples running {@code attacks} with
     * {@code options} produces: every minimum-norm attack, every fixed-budget attack at every budget of each norm
     * in suite order, the check at the smallest budget of each norm, arrays of the right lengths.
     */
    void check(int samples, List<String> attacks, EvaluationOptions options) {
        List<String> expectedMinimumNorm = attacks.stream()
                .filter(a -> Attacks.spec(a).kind() == Attacks.Kind.MINIMUM_NORM).toList();
        if (!minimumNorm.keySet().equals(java.util.Set.copyOf(expectedMinimumNorm))) {
            throw Check.fail("outcomes.minimumNorm must hold exactly %s, got %s", expectedMinimumNorm,
                    minimumNorm.keySet());
        }
        List<String> expectedRuns = new ArrayList<>();
        List<String> expectedChecks = new ArrayList<>();
        for (Norm norm : Norm.values()) {
            List<Double> budgets = norm == Norm.LINF ? options.linfBudgets() : options.l2Budgets();
            List<Double> sorted = budgets.stream().sorted().toList();
            String firstGradient = attacks.stream().filter(a -> Attacks.spec(a).kind() == Attacks.Kind.FIXED_BUDGET
                    && Attacks.spec(a).usesGradients()).findFirst().orElse(null);
            for (int e = 0; e < sorted.size(); e++) {
                for (String attack : attacks) {
                    if (Attacks.spec(attack).kind() == Attacks.Kind.FIXED_BUDGET) {
                        expectedRuns.add(attack + " " + norm.label() + " " + sorted.get(e));
                    }
                }
                if (e == 0 && firstGradient != null) {
                    expectedChecks.add(firstGradient + " " + norm.label() + " " + sorted.get(e));
                }
            }
        }
        List<String> runs = fixedBudget.stream().map(r -> r.attack() + " " + r.norm() + " " + r.epsilon()).toList();
        List<String> checks = doubled.stream().map(r -> r.attack() + " " + r.norm() + " " + r.epsilon()).toList();
        if (!runs.equals(expectedRuns) || !checks.equals(expectedChecks)) {
            throw Check.fail("outcomes.fixedBudget and outcomes.doubled do not match the attacks and budgets");
        }
        unpack(samples);
    }
}
