package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;
import org.junit.jupiter.api.Test;

/**
 * The suite's rule on six hand-made samples, L2 budgets 1 and 2: sample 5 is misclassified, DeepFool fools sample 2
 * at size 1.5 (the others only far away), APGD-CE breaks sample 0 at budget 1, APGD-T sample 1 at budget 1, and at
 * budget 2 APGD-CE breaks sample 3 besides the 0 it carries.
 */
class SuiteStandingTest {
    private static final List<String> ATTACKS = List.of("deepfool", "apgd-ce", "apgd-t");
    private static final boolean[] CORRECT = {true, true, true, true, true, false};
    private static final Map<String, Perturbations> DEEPFOOL = Map.of("deepfool", new Perturbations(
            new double[] {9, 9, 1.5, 9, 9, 9}, new boolean[] {true, true, true, true, true, true},
            new int[] {3, 3, 2, 3, 3, 0}));

    private static boolean[] samples(int... indices) {
        boolean[] flags = new boolean[CORRECT.length];
        for (int i : indices) {
            flags[i] = true;
        }
        return flags;
    }

    private static List<BudgetOutcome> atBudgetOne() {
        return new ArrayList<>(List.of(new BudgetOutcome("apgd-ce", Norm.L2, 1, samples(0)),
                new BudgetOutcome("apgd-t", Norm.L2, 1, samples(1))));
    }

    @Test
    void theFirstFixedBudgetAttackSkipsOnlyWhatItBrokeItselfAtASmallerBudget() {
        assertEquals("apgd-ce", SuiteStanding.firstFixedBudget(ATTACKS, Norm.L2));
        assertArrayEquals(samples(0, 1, 2, 3, 4), SuiteStanding.attacked("apgd-ce", Norm.L2, 1, ATTACKS, CORRECT,
                DEEPFOOL, List.of()));
        assertArrayEquals(samples(1, 2, 3, 4), SuiteStanding.attacked("apgd-ce", Norm.L2, 2, ATTACKS, CORRECT,
                DEEPFOOL, atBudgetOne()));
    }

    @Test
    void laterAttacksSkipWhatAnythingBrokeWithinTheBudgetOrASmallerOne() {
        List<BudgetOutcome> runs = atBudgetOne();
        assertArrayEquals(samples(1, 2, 3, 4), SuiteStanding.attacked("apgd-t", Norm.L2, 1, ATTACKS, CORRECT,
                DEEPFOOL, runs), "at budget 1 DeepFool's 1.5 does not count");
        runs.add(new BudgetOutcome("apgd-ce", Norm.L2, 2, samples(0, 3)));
        assertArrayEquals(samples(4), SuiteStanding.attacked("apgd-t", Norm.L2, 2, ATTACKS, CORRECT, DEEPFOOL, runs));
        assertArrayEquals(samples(3, 4), SuiteStanding.robust(Norm.L2, 2, CORRECT, DEEPFOOL, runs, "apgd-ce"),
                "before APGD-CE at budget 2: what broke at budget 1 and DeepFool within 2 are gone");
    }

    @Test
    void theReportCountsASampleBrokenAtTheSmallerBudgetAsBrokenAtTheLargerOne() {
        List<BudgetOutcome> runs = atBudgetOne();
        runs.add(new BudgetOutcome("apgd-ce", Norm.L2, 2, samples(0, 3)));
        runs.add(new BudgetOutcome("apgd-t", Norm.L2, 2, samples()));
        SampleOutcomes outcomes = new SampleOutcomes(CORRECT.length, CORRECT, new boolean[6], new boolean[6],
                new double[] {100, 100, 100, 100, 100, 100}, DEEPFOOL, runs, List.of(), Map.of());
        RobustnessEvaluator.Options options = new RobustnessEvaluator.Options(ATTACKS, new double[0],
                new double[] {1, 2}, AttackSettings.defaults(), 1, null, "self", new double[] {0.2, 0.5, 1.0}, 10);
        RobustnessReport report = RobustnessReport.of(outcomes, options, "mlp", "fashion-mnist", "vanilla", "space", 0);

        assertEquals(Map.of("1", 3 / 6.0, "2", 1 / 6.0), report.robustAccuracy().get("l2"),
                "sample 1 stays broken at budget 2 although no attack there broke it");
        AttackSummary apgdCe = report.attacks().stream().filter(a -> a.name().equals("apgd-ce")).findFirst()
                .orElseThrow();
        assertEquals(Map.of("1", 4 / 6.0, "2", 3 / 6.0), apgdCe.accuracy(), "APGD-CE alone");
        assertEquals(Map.of("1", 1, "2", 1), apgdCe.broken(), "at budget 2 only sample 3 is new");
        assertEquals(List.of(), report.warnings());
    }
}
