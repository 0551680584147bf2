package org.deepdefense.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.deepdefense.attack.Attacks;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;

/**
 * Signs that a report may overstate robustness, in the spirit of ART's gradient checks and AutoAttack's flags. Each
 * threshold is a share of the test set (or of the samples checked) large enough not to fire on sampling noise.
 */
final class MaskingChecks {
    /** Correctly classified samples whose float32 softmax is exactly 1. */
    static final double SATURATED_SHARE = 0.10;
    /** Correctly classified samples whose float32 cross-entropy input gradient is exactly zero. */
    static final double ZERO_GRADIENT_SHARE = 0.01;
    /** Paper FGS accuracy above the stable FGS's at the same ε_ref ratio by more than this. */
    static final double CROSS_ENTROPY_GAP = 0.05;
    /** Test samples that only the black-box attack broke. */
    static final double BLACK_BOX_SHARE = 0.01;
    /** Checked samples that twice the iterations broke. */
    static final double DOUBLED_SHARE = 0.02;
    static final int DOUBLED_MINIMUM = 2;

    private MaskingChecks() {}

    static List<EvaluationWarning> warnings(SampleOutcomes o, RobustnessReport report,
            RobustnessEvaluator.Options options) {
        List<EvaluationWarning> warnings = new ArrayList<>();
        int n = o.size();
        int correct = RobustnessReport.count(o.correct());
        int saturated = countBoth(o.correct(), o.saturated());
        if (correct > 0 && saturated > SATURATED_SHARE * correct) {
            warnings.add(new EvaluationWarning("saturated-softmax", String.format(Locale.ROOT,
                    "%.1f %% of correctly classified samples have a float32 softmax of exactly 1: cross-entropy"
                            + " attacks computed in float32 (the paper's FGS) lose the true class's gradient",
                    100.0 * saturated / correct)));
        }
        int zero = countBoth(o.correct(), o.zeroGradient());
        if (correct > 0 && zero > ZERO_GRADIENT_SHARE * correct) {
            warnings.add(new EvaluationWarning("zero-gradient", String.format(Locale.ROOT,
                    "%.1f %% of correctly classified samples have an exactly zero float32 cross-entropy input"
                            + " gradient", 100.0 * zero / correct)));
        }
        report.fgsAccuracy().forEach((ratio, paper) -> {
            Double stable = report.stableFgsAccuracy().get(ratio);
            if (stable != null && paper - stable > CROSS_ENTROPY_GAP) {
                warnings.add(new EvaluationWarning("cross-entropy-masking", String.format(Locale.ROOT,
                        "paper FGS leaves %.1f %% accuracy at %s eps_ref where FGS with a stable cross-entropy"
                                + " gradient leaves %.1f %%: the paper's FGS column overstates robustness",
                        100 * paper, ratio, 100 * stable)));
            }
        });
        // The same comparison at every L∞ budget: the paper's FGS against the stable one, both on every sample.
        AttackSummary stableFgs = report.attacks().stream().filter(a -> a.name().equals("fgs")).findFirst()
                .orElse(null);
        report.fgsCurve().forEach((eps, paper) -> {
            Double stable = stableFgs == null ? null : stableFgs.accuracy().get(eps);
            if (stable != null && paper - stable > CROSS_ENTROPY_GAP) {
                warnings.add(new EvaluationWarning("cross-entropy-masking", String.format(Locale.ROOT,
                        "paper FGS leaves %.1f %% accuracy at linf eps %s where FGS with a stable cross-entropy"
                                + " gradient leaves %.1f %%", 100 * paper, eps, 100 * stable)));
            }
        });
        for (BudgetOutcome run : o.fixedBudget()) {
            if (Attacks.spec(run.attack()).usesGradients()) {
                continue;
            }
            int only = RobustnessReport.count(run.broken());
            if (only > BLACK_BOX_SHARE * n) {
                warnings.add(new EvaluationWarning("black-box-only", String.format(Locale.ROOT,
                        "%s broke %d samples (%.1f %%) at %s eps %s that every gradient attack before it missed:"
                                + " gradients may be masked", run.attack(), only, 100.0 * only / n,
                        run.norm().label(), RobustnessReport.key(run.epsilon()))));
            }
        }
        report.robustAccuracy().forEach((norm, byEps) -> byEps.forEach((eps, accuracy) -> {
            if (accuracy >= report.cleanAccuracy() && report.cleanAccuracy() > 0) {
                warnings.add(new EvaluationWarning("no-effect", String.format(Locale.ROOT,
                        "no attack broke any sample at %s eps %s: is the budget on the scale of the inputs (%s)?",
                        norm, eps, report.budgetUnits())));
            }
        }));
        for (BudgetOutcome check : o.doubled()) {
            int broken = RobustnessReport.count(check.broken());
            int checked = countChecked(o, options, check);
            if (broken >= DOUBLED_MINIMUM && broken > DOUBLED_SHARE * checked) {
                warnings.add(new EvaluationWarning("more-iterations-break", String.format(Locale.ROOT,
                        "%s with twice the iterations broke %d of %d samples the suite left standing at %s eps %s:"
                                + " the attacks have not converged", check.attack(), broken, checked,
                        check.norm().label(), RobustnessReport.key(check.epsilon()))));
            }
        }
        return warnings;
    }

    /** The samples the check ran on: robust after the whole suite at its budget, index a multiple of the stride. */
    private static int countChecked(SampleOutcomes o, RobustnessEvaluator.Options options, BudgetOutcome check) {
        boolean[] robust = SuiteStanding.robust(check.norm(), check.epsilon(), o.correct(), o.minimumNorm(),
                o.fixedBudget(), null);
        int checked = 0;
        for (int i = 0; i < o.size(); i += options.checkStride()) {
            checked += robust[i] ? 1 : 0;
        }
        return checked;
    }

    private static int countBoth(boolean[] a, boolean[] b) {
        int count = 0;
        for (int i = 0; i < a.length; i++) {
            count += a[i] && b[i] ? 1 : 0;
        }
        return count;
    }
}
