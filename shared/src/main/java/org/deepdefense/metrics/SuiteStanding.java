package org.deepdefense.metrics;

import java.util.List;
import java.util.Map;
import org.deepdefense.attack.Attacks;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;

/**
 * Which samples still stand in the suite, AutoAttack's rule: the evaluator attacks by it and the report counts by
 * it. At a budget of a norm a correct sample is already broken when a minimum-norm attack of that norm fooled it
 * within the budget, when anything broke it at a smaller budget of that norm (its adversarial example lies in the
 * larger ball too), or when a fixed-budget attack before this one at this budget broke it. The first fixed-budget
 * attack of a norm is the exception: it runs on every correct sample that it did not break itself at a smaller
 * budget, so that the report can give its accuracy alone.
 */
final class SuiteStanding {
    private SuiteStanding() {}

    /** The suite's fixed-budget attacks that work in the norm, in suite order. */
    static List<String> fixedBudget(List<String> attacks, Norm norm) {
        return attacks.stream().filter(name -> {
            Attacks.Spec spec = Attacks.spec(name);
            return spec.kind() == Attacks.Kind.FIXED_BUDGET && spec.norms().contains(norm);
        }).toList();
    }

    /** The first fixed-budget attack of the suite that works in the norm, or null. */
    static String firstFixedBudget(List<String> attacks, Norm norm) {
        return fixedBudget(attacks, norm).stream().findFirst().orElse(null);
    }

    /**
     * The samples a fixed-budget attack runs on at a budget.
     *
     * @param runs the fixed-budget runs in suite order; those at this budget from the attack's own on are ignored
     */
    static boolean[] attacked(String attack, Norm norm, double eps, List<String> attacks, boolean[] correct,
            Map<String, Perturbations> minimumNorm, List<BudgetOutcome> runs) {
        if (!attack.equals(firstFixedBudget(attacks, norm))) {
            return robust(norm, eps, correct, minimumNorm, runs, attack);
        }
        boolean[] standing = correct.clone();
        BudgetOutcome earlier = atSmallerBudget(runs, attack, norm, eps);
        if (earlier != null) {
            removeBroken(standing, earlier.broken());
        }
        return standing;
    }

    /**
     * The correct samples that nothing of the norm broke at this budget or a smaller one, counting at this budget
     * the runs before {@code before} (null: all of them).
     */
    static boolean[] robust(Norm norm, double eps, boolean[] correct, Map<String, Perturbations> minimumNorm,
            List<BudgetOutcome> runs, String before) {
        Double smaller = runs.stream().filter(r -> r.norm() == norm && r.epsilon() < eps)
                .map(BudgetOutcome::epsilon).max(Double::compare).orElse(null);
        boolean[] standing = smaller == null ? correct.clone()
                : robust(norm, smaller, correct, minimumNorm, runs, null);
        minimumNorm.forEach((name, p) -> {
            if (Attacks.spec(name).norms().contains(norm)) {
                for (int i = 0; i < standing.length; i++) {
                    standing[i] &= !p.brokenWithin(i, eps);
                }
            }
        });
        for (BudgetOutcome run : runs) {
            if (run.norm() == norm && run.epsilon() == eps) {
                if (run.attack().equals(before)) {
                    break;
                }
                removeBroken(standing, run.broken());
            }
        }
        return standing;
    }

    /** The attack's run at the largest budget of the norm below {@code eps}, or null. */
    static BudgetOutcome atSmallerBudget(List<BudgetOutcome> runs, String attack, Norm norm, double eps) {
        BudgetOutcome found = null;
        for (BudgetOutcome run : runs) {
            if (run.attack().equals(attack) && run.norm() == norm && run.epsilon() < eps
                    && (found == null || run.epsilon() > found.epsilon())) {
                found = run;
            }
        }
        return found;
    }

    private static void removeBroken(boolean[] standing, boolean[] broken) {
        for (int i = 0; i < standing.length; i++) {
            standing[i] &= !broken[i];
        }
    }
}
