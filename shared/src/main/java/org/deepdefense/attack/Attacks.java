package org.deepdefense.attack;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The registry of attacks by name: the only place that knows them all. The evaluator, the shard records and the
 * services refer to attacks by these names; adding an attack is its class and one line here.
 */
public final class Attacks {
    /** What an attack returns per sample: its smallest perturbation, or its success at a given budget. */
    public enum Kind { MINIMUM_NORM, FIXED_BUDGET }

    /**
     * @param usesGradients false for a black-box (score-based) attack
     * @param minClasses    the fewest classes a model may have for the attack to be defined
     * @param description   one line for reports and help
     */
    public record Spec(String name, Kind kind, Set<Norm> norms, boolean usesGradients, int minClasses,
            String description) {}

    private record Entry(Spec spec, Function<AttackSettings, MinimumNormAttack> minimumNorm,
            BiFunction<Norm, AttackSettings, FixedBudgetAttack> fixedBudget) {}

    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>();

    static {
        minimumNorm("deepfool", Norm.L2, "DeepFool, all other classes as candidates (gives rho2)",
                s -> new DeepFool(s.deepFoolIterations(), s.overshoot()));
        minimumNorm("deepfool-short", Norm.L2, "DeepFool at the paper's 5-iteration cap",
                s -> new DeepFool(s.shortCapIterations(), s.overshoot()));
        minimumNorm("paper-fgs", Norm.LINF, "FGS line search with the paper's float32 cross-entropy gradient",
                s -> FgsLineSearch.withLoss(Losses.PAPER_CROSS_ENTROPY));
        minimumNorm("fgs", Norm.LINF, "FGS line search with the stable cross-entropy gradient",
                s -> FgsLineSearch.withLoss(Losses.CROSS_ENTROPY));
        minimumNorm("cw-l2", Norm.L2, "Carlini-Wagner L2, binary search over the constant",
                s -> new CarliniWagnerL2(s.cwSearchSteps(), s.cwIterations(), CarliniWagnerL2.DEFAULT_LEARNING_RATE,
                        CarliniWagnerL2.DEFAULT_INITIAL_CONSTANT, 0));
        fixedBudget("pgd", true, 2, "PGD with random start, stable cross-entropy",
                (norm, s) -> new Pgd(norm, s.pgdSteps(), s.pgdStepFraction(), Losses.CROSS_ENTROPY));
        fixedBudget("apgd-ce", true, 2, "APGD with stable cross-entropy (AutoAttack)",
                (norm, s) -> Apgd.crossEntropy(norm, s.apgdIterations()));
        fixedBudget("apgd-t", true, Losses.TARGETED_DLR_MIN_CLASSES,
                "APGD with targeted DLR, one run per target class (AutoAttack)",
                (norm, s) -> Apgd.targetedDlr(norm, s.apgdIterations(), s.apgdTargets()));
        fixedBudget("square", false, 2, "Square: score-based random search, no gradients (AutoAttack)",
                (norm, s) -> new Square(norm, s.squareQueries()));
    }

    private Attacks() {}

    private static void minimumNorm(String name, Norm norm, String description,
            Function<AttackSettings, MinimumNormAttack> create) {
        ENTRIES.put(name, new Entry(new Spec(name, Kind.MINIMUM_NORM, EnumSet.of(norm), true, 2, description),
                create, null));
    }

    private static void fixedBudget(String name, boolean usesGradients, int minClasses, String description,
            BiFunction<Norm, AttackSettings, FixedBudgetAttack> create) {
        ENTRIES.put(name, new Entry(new Spec(name, Kind.FIXED_BUDGET, EnumSet.allOf(Norm.class), usesGradients,
                minClasses, description), null, create));
    }

    /**
     * Refuses, before any work, a suite that has an attack the model's class count does not allow (targeted DLR
     * needs 4 classes: a model of 2 or 3 classes must run a suite without {@code apgd-t}).
     *
     * @throws IllegalArgumentException naming the attacks, their minimum and the model's classes
     */
    public static void requireApplicable(List<String> attacks, int numClasses) {
        List<String> refused = attacks.stream().filter(a -> spec(a).minClasses() > numClasses)
                .map(a -> a + " (at least " + spec(a).minClasses() + ")").toList();
        if (!refused.isEmpty()) {
            throw new IllegalArgumentException("this model has " + numClasses + " classes, too few for " + refused
                    + "; ask for attacks without them");
        }
    }

    /** Every registered name, in registration order. */
    public static List<String> names() {
        return List.copyOf(ENTRIES.keySet());
    }

    /** @throws IllegalArgumentException for an unknown name */
    public static Spec spec(String name) {
        return entry(name).spec();
    }

    public static MinimumNormAttack minimumNorm(String name, AttackSettings settings) {
        Entry entry = entry(name);
        if (entry.minimumNorm() == null) {
            throw new IllegalArgumentException(name + " is not a minimum-norm attack");
        }
        return entry.minimumNorm().apply(settings);
    }

    public static FixedBudgetAttack fixedBudget(String name, Norm norm, AttackSettings settings) {
        Entry entry = entry(name);
        if (entry.fixedBudget() == null) {
            throw new IllegalArgumentException(name + " is not a fixed-budget attack");
        }
        return entry.fixedBudget().apply(norm, settings);
    }

    private static Entry entry(String name) {
        Entry entry = ENTRIES.get(name);
        if (entry == null) {
            throw new IllegalArgumentException("unknown attack '" + name + "'; known: " + names());
        }
        return entry;
    }
}
