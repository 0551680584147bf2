package org.deepdefense.messages;

import java.util.List;
import org.deepdefense.attack.AttackSettings;
import org.deepdefense.attack.Pgd;
import org.deepdefense.metrics.RobustnessEvaluator;

/**
 * How every shard of one checkpoint is evaluated. The splitter fixes them once per checkpoint and every shard
 * carries them, so that replicas configured differently still measure the same thing.
 *
 * @param batchSize          images per forward pass; shard boundaries are multiples of it
 * @param deepFoolIterations DeepFool's iteration cap
 * @param overshoot          DeepFool overshoot
 * @param linfBudgets        L∞ budgets, absolute in the checkpoint's input space (0–255 grey levels minus the mean)
 * @param l2Budgets          L2 budgets, likewise
 * @param pgdSteps           PGD iterations (step 2.5·ε/steps)
 * @param apgdIterations     APGD iterations per run; {@code apgdTargets} APGD-T target classes
 * @param squareQueries      Square's queries per sample
 * @param seed               seeds the random attacks; test sample i draws from (seed, i)
 * @param checkStride        the doubled-iterations masking check runs on test samples whose index is a multiple
 */
public record EvaluationOptions(
        int batchSize,
        int deepFoolIterations,
        double overshoot,
        List<Double> linfBudgets,
        List<Double> l2Budgets,
        int pgdSteps,
        int apgdIterations,
        int apgdTargets,
        int squareQueries,
        long seed,
        int checkStride) {

    public static final int MAX_BUDGETS = 16;

    public EvaluationOptions {
        Check.inRange("batchSize", batchSize, 1, 1024);
        Check.inRange("deepFoolIterations", deepFoolIterations, 1, 1000);
        Check.inRange("overshoot", overshoot, "[0, 1]");
        linfBudgets = budgets("linfBudgets", linfBudgets);
        l2Budgets = budgets("l2Budgets", l2Budgets);
        Check.inRange("pgdSteps", pgdSteps, 1, 1000);
        Check.inRange("apgdIterations", apgdIterations, 1, 1000);
        Check.inRange("apgdTargets", apgdTargets, 1, 99);
        Check.inRange("squareQueries", squareQueries, 1, 100_000);
        Check.inRange("checkStride", checkStride, 1, 1_000_000);
    }

    private static List<Double> budgets(String field, List<Double> budgets) {
        Check.required(field, budgets);
        if (budgets.size() > MAX_BUDGETS) {
            throw Check.fail("%s must list at most %d budgets, got %d", field, MAX_BUDGETS, budgets.size());
        }
        for (int i = 0; i < budgets.size(); i++) {
            Check.inRange(field + "[" + i + "]", Check.required(field + "[" + i + "]", budgets.get(i)), "(0, inf)");
            if (budgets.subList(0, i).contains(budgets.get(i))) {
                throw Check.fail("%s lists %s twice", field, budgets.get(i));
            }
        }
        return List.copyOf(budgets);
    }

    /**
     * The engine's options for a shard running {@code attacks} (C&W and the short DeepFool cap keep their
     * defaults); the attack service and the evaluator both build them here, so they agree.
     */
    public RobustnessEvaluator.Options evaluatorOptions(List<String> attacks) {
        AttackSettings settings = AttackSettings.defaults().withDeepFoolIterations(deepFoolIterations)
                .withPgd(pgdSteps, Pgd.usualStepFraction(pgdSteps)).withApgd(apgdIterations, apgdTargets)
                .withSquareQueries(squareQueries);
        return new RobustnessEvaluator.Options(attacks, toArray(linfBudgets), toArray(l2Budgets),
                new AttackSettings(settings.deepFoolIterations(), overshoot, settings.shortCapIterations(),
                        settings.pgdSteps(), settings.pgdStepFraction(), settings.apgdIterations(),
                        settings.apgdTargets(), settings.squareQueries(), settings.cwSearchSteps(),
                        settings.cwIterations()), seed, null, "self", new double[] {0.2, 0.5, 1.0}, checkStride);
    }

    private static double[] toArray(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
