package org.deepdefense.attack;

/**
 * The iteration and query counts the registered attacks are built with.
 *
 * @param deepFoolIterations DeepFool's cap for ρ₂ (50: the official code's 5 biases ρ₂ low)
 * @param overshoot          DeepFool's overshoot
 * @param shortCapIterations the cap of {@code deepfool-short} (the paper's training cap, 5)
 * @param pgdSteps           PGD steps; each of size pgdStepFraction·ε
 * @param apgdIterations     APGD iterations per run (AutoAttack: 100)
 * @param apgdTargets        APGD-T target classes (AutoAttack: 9)
 * @param squareQueries      Square's queries per sample (AutoAttack: 5,000)
 * @param cwSearchSteps      C&W-L2 binary-search steps; {@code cwIterations} Adam iterations per step
 */
public record AttackSettings(int deepFoolIterations, double overshoot, int shortCapIterations, int pgdSteps,
        double pgdStepFraction, int apgdIterations, int apgdTargets, int squareQueries, int cwSearchSteps,
        int cwIterations) {

    public AttackSettings {
        if (deepFoolIterations < 1 || shortCapIterations < 1 || pgdSteps < 1 || !(pgdStepFraction > 0)
                || apgdIterations < 1 || apgdTargets < 1 || squareQueries < 1 || cwSearchSteps < 1
                || cwIterations < 1 || !(overshoot >= 0)) {
            throw new IllegalArgumentException("attack settings must be positive (overshoot non-negative): " + this);
        }
    }

    public static AttackSettings defaults() {
        return new AttackSettings(DeepFool.DEFAULT_MAX_ITERATIONS, DeepFool.DEFAULT_OVERSHOOT, 5, 20,
                Pgd.usualStepFraction(20), 100, 9, 5000, CarliniWagnerL2.DEFAULT_SEARCH_STEPS,
                CarliniWagnerL2.DEFAULT_ITERATIONS);
    }

    public AttackSettings withDeepFoolIterations(int iterations) {
        return new AttackSettings(iterations, overshoot, shortCapIterations, pgdSteps, pgdStepFraction,
                apgdIterations, apgdTargets, squareQueries, cwSearchSteps, cwIterations);
    }

    public AttackSettings withShortCap(int iterations) {
        return new AttackSettings(deepFoolIterations, overshoot, iterations, pgdSteps, pgdStepFraction,
                apgdIterations, apgdTargets, squareQueries, cwSearchSteps, cwIterations);
    }

    public AttackSettings withPgd(int steps, double stepFraction) {
        return new AttackSettings(deepFoolIterations, overshoot, shortCapIterations, steps, stepFraction,
                apgdIterations, apgdTargets, squareQueries, cwSearchSteps, cwIterations);
    }

    public AttackSettings withApgd(int iterations, int targets) {
        return new AttackSettings(deepFoolIterations, overshoot, shortCapIterations, pgdSteps, pgdStepFraction,
                iterations, targets, squareQueries, cwSearchSteps, cwIterations);
    }

    public AttackSettings withSquareQueries(int queries) {
        return new AttackSettings(deepFoolIterations, overshoot, shortCapIterations, pgdSteps, pgdStepFraction,
                apgdIterations, apgdTargets, queries, cwSearchSteps, cwIterations);
    }
}
