package org.deepdefense.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.attack.Attacks;
import org.deepdefense.attack.CarliniWagnerL2;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;

/**
 * Robustness of one model on a test set, built from per-sample outcomes ({@link #of}).
 *
 * @param rho2 mean over the test set of ‖Δx‖₂/‖x‖₂ for DeepFool's Δx, measured in {@code space}
 * @param deepFoolUnconverged samples DeepFool did not fool within its iteration cap (they still count in ρ₂)
 * @param epsRef the paper-FGS ε at which half the test set is misclassified (of this model, or the one given to the
 *     evaluation, as the paper takes it from the Deep Defense model); null when not reached
 * @param epsRefSource "self" when computed on this model, else where it came from
 * @param fgsAccuracy the paper's FGS (float32 cross-entropy) accuracy by ratio of ε_ref ("0.2", "0.5", "1.0")
 * @param stableFgsAccuracy the same with the stable cross-entropy gradient (empty without {@code fgs})
 * @param pgdAccuracy PGD-L∞ accuracy alone by ε, when PGD ran first among the L∞ fixed-budget attacks; else empty
 * @param rho2ShortCap ρ₂ with DeepFool capped at {@code shortCapIterations} (the paper's 5), or null
 * @param pgdL2Accuracy the same as pgdAccuracy for L2
 * @param cwMedianRatio median over the test set of C&W-L2's ‖δ‖₂/‖x‖₂ (0 for a sample misclassified already, +∞
 *     where the attack failed), or null without {@code cw-l2}
 * @param fgsCurve paper-FGS accuracy at ε = 0 and at every L∞ budget
 * @param suite the attacks run, in order
 * @param budgetUnits what ε means
 * @param robustAccuracy by norm ("linf", "l2") and ε: the share of test samples that no attack of the suite broke
 *     there or at a smaller ε
 * @param attacks per attack: accuracy, robust accuracy after it, samples broken, time
 * @param warnings signs of gradient masking or meaningless budgets; empty when none
 * @param paperFgs the paper-FGS profile, to re-read the FGS columns at another ε_ref; null without paper-fgs
 */
public record RobustnessReport(
        String architecture,
        String dataset,
        String method,
        int samples,
        double cleanAccuracy,
        double rho2,
        int deepFoolMaxIterations,
        int deepFoolUnconverged,
        double deepFoolMeanIterations,
        Double epsRef,
        String epsRefSource,
        Map<String, Double> fgsAccuracy,
        Map<String, Double> stableFgsAccuracy,
        Map<String, Double> pgdAccuracy,
        String space,
        double seconds,
        Double rho2ShortCap,
        int shortCapIterations,
        Map<String, Double> pgdL2Accuracy,
        Double cwMedianRatio,
        int cwSamples,
        Map<String, Double> fgsCurve,
        List<String> suite,
        String budgetUnits,
        Map<String, Map<String, Double>> robustAccuracy,
        List<AttackSummary> attacks,
        List<EvaluationWarning> warnings,
        FgsProfile paperFgs) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** The report's key for a budget: its shortest decimal form ("25.5", "51"). */
    public static String key(double epsilon) {
        return new BigDecimal(Double.toString(epsilon)).stripTrailingZeros().toPlainString();
    }

    /**
     * The report of a whole test set from its per-sample outcomes.
     *
     * @param seconds the evaluation's wall time
     */
    public static RobustnessReport of(SampleOutcomes o, RobustnessEvaluator.Options options, String architecture,
            String dataset, String method, String space, double seconds) {
        int n = o.size();
        double clean = count(o.correct()) / (double) n;
        Perturbations deepFool = o.minimumNorm().get("deepfool");
        if (deepFool == null) {
            throw new IllegalArgumentException("the outcomes have no deepfool results: a report needs rho2");
        }
        Perturbations shortCap = o.minimumNorm().get("deepfool-short");
        Perturbations paper = o.minimumNorm().get("paper-fgs");
        Perturbations stable = o.minimumNorm().get("fgs");
        Perturbations cw = o.minimumNorm().get("cw-l2");

        FgsProfile paperFgs = paper == null ? null : FgsProfile.of(o.correct(), paper.sizes(), paper.fooled());
        Double epsRef = options.epsRef() != null ? options.epsRef() : paperFgs == null ? null : paperFgs.epsRef();
        Map<String, Double> fgsAccuracy = new LinkedHashMap<>();
        Map<String, Double> stableFgsAccuracy = new LinkedHashMap<>();
        if (epsRef != null) {
            FgsProfile stableFgs = stable == null ? null : FgsProfile.of(o.correct(), stable.sizes(), stable.fooled());
            for (double ratio : options.fgsRatios()) {
                String label = String.format(Locale.ROOT, "%.1f", ratio);
                if (paperFgs != null) {
                    fgsAccuracy.put(label, paperFgs.accuracyAt(ratio * epsRef));
                }
                if (stableFgs != null) {
                    stableFgsAccuracy.put(label, stableFgs.accuracyAt(ratio * epsRef));
                }
            }
        }
        Map<String, Double> fgsCurve = new LinkedHashMap<>();
        if (paperFgs != null) {
            fgsCurve.put("0", clean);
            for (double eps : options.linfBudgets()) {
                fgsCurve.put(key(eps), paperFgs.accuracyAt(eps));
            }
        }

        Map<String, Map<String, Double>> robust = new LinkedHashMap<>();
        List<AttackSummary> summaries = summaries(o, options, robust);
        Map<String, Double> pgdAccuracy = aloneIfFirst(summaries, "pgd", Norm.LINF);
        Map<String, Double> pgdL2Accuracy = aloneIfFirst(summaries, "pgd", Norm.L2);

        Double cwMedian = null;
        if (cw != null) {
            double[] ratios = new double[n];
            for (int i = 0; i < n; i++) {
                ratios[i] = cw.fooled()[i] ? cw.sizes()[i] / Math.max(o.inputNorms()[i], 1e-12)
                        : Double.POSITIVE_INFINITY;
            }
            cwMedian = CarliniWagnerL2.median(ratios);
        }
        RobustnessReport partial = new RobustnessReport(architecture, dataset, method, n, clean,
                meanRatio(deepFool, o.inputNorms()), options.settings().deepFoolIterations(),
                n - count(deepFool.fooled()), Arrays.stream(deepFool.iterations()).average().orElse(0), epsRef,
                options.epsRef() != null ? options.epsRefSource() : "self", fgsAccuracy, stableFgsAccuracy,
                pgdAccuracy, space, seconds, shortCap == null ? null : meanRatio(shortCap, o.inputNorms()),
                shortCap == null ? 0 : options.settings().shortCapIterations(), pgdL2Accuracy, cwMedian,
                cw == null ? 0 : n, fgsCurve, List.copyOf(options.attacks()), units(space), robust, summaries,
                List.of(), paperFgs);
        return partial.withWarnings(MaskingChecks.warnings(o, partial, options));
    }

    private RobustnessReport withWarnings(List<EvaluationWarning> found) {
        return new RobustnessReport(architecture, dataset, method, samples, cleanAccuracy, rho2,
                deepFoolMaxIterations, deepFoolUnconverged, deepFoolMeanIterations, epsRef, epsRefSource, fgsAccuracy,
                stableFgsAccuracy, pgdAccuracy, space, seconds, rho2ShortCap, shortCapIterations, pgdL2Accuracy,
                cwMedianRatio, cwSamples, fgsCurve, suite, budgetUnits, robustAccuracy, attacks, List.copyOf(found),
                paperFgs);
    }

    /**
     * This report with the paper's FGS columns read at another ε_ref (the paper uses the Deep Defense model's for
     * every model).
     */
    public RobustnessReport withEpsRef(double reference, String source) {
        if (paperFgs == null) {
            throw new IllegalStateException("this report has no paper-FGS profile to re-read");
        }
        Map<String, Double> columns = new LinkedHashMap<>();
        for (String ratio : fgsAccuracy.isEmpty() ? List.of("0.2", "0.5", "1.0") : fgsAccuracy.keySet()) {
            columns.put(ratio, paperFgs.accuracyAt(Double.parseDouble(ratio) * reference));
        }
        return new RobustnessReport(architecture, dataset, method, samples, cleanAccuracy, rho2,
                deepFoolMaxIterations, deepFoolUnconverged, deepFoolMeanIterations, reference, source, columns,
                Map.of(), pgdAccuracy, space, seconds, rho2ShortCap, shortCapIterations, pgdL2Accuracy,
                cwMedianRatio, cwSamples, fgsCurve, suite, budgetUnits, robustAccuracy, attacks, warnings, paperFgs);
    }

    private static String units(String space) {
        return "absolute, in the evaluation's input space (" + space + ")";
    }

    private static List<AttackSummary> summaries(SampleOutcomes o, RobustnessEvaluator.Options options,
            Map<String, Map<String, Double>> robust) {
        int n = o.size();
        Map<String, Map<String, Double>> accuracy = new LinkedHashMap<>();
        Map<String, Map<String, Double>> after = new LinkedHashMap<>();
        Map<String, Map<String, Integer>> broken = new LinkedHashMap<>();
        Map<String, Long> attacked = new LinkedHashMap<>();
        for (Norm norm : Norm.values()) {
            // Robust accuracy at a norm no attack of the suite works in would only repeat the clean accuracy.
            if (options.attacks().stream().noneMatch(name -> Attacks.spec(name).norms().contains(norm))) {
                continue;
            }
            Map<String, Double> robustByEps = new LinkedHashMap<>();
            String firstFixedBudget = SuiteStanding.firstFixedBudget(options.attacks(), norm);
            double[] budgets = options.budgets(norm);
            for (int e = 0; e < budgets.length; e++) {
                double eps = budgets[e];
                // What broke at the smaller budget is broken here before any attack runs.
                boolean[] standing = e == 0 ? o.correct().clone()
                        : SuiteStanding.robust(norm, budgets[e - 1], o.correct(), o.minimumNorm(), o.fixedBudget(),
                                null);
                for (String name : options.attacks()) {
                    Attacks.Spec spec = Attacks.spec(name);
                    if (!spec.norms().contains(norm)) {
                        continue;
                    }
                    String id = name + "/" + norm.label();
                    boolean[] hit;
                    if (spec.kind() == Attacks.Kind.MINIMUM_NORM) {
                        Perturbations p = o.minimumNorm().get(name);
                        hit = new boolean[n];
                        for (int i = 0; i < n; i++) {
                            hit[i] = o.correct()[i] && p.brokenWithin(i, eps);
                        }
                        attacked.merge(id, (long) n, Long::sum);
                    } else {
                        hit = find(o.fixedBudget(), name, norm, eps).broken();
                        attacked.merge(id, (long) count(SuiteStanding.attacked(name, norm, eps, options.attacks(),
                                o.correct(), o.minimumNorm(), o.fixedBudget())), Long::sum);
                    }
                    int alone = count(o.correct()) - count(hit);
                    if (spec.kind() == Attacks.Kind.MINIMUM_NORM || name.equals(firstFixedBudget)) {
                        accuracy.computeIfAbsent(id, x -> new LinkedHashMap<>()).put(key(eps), alone / (double) n);
                    }
                    int fresh = 0;
                    for (int i = 0; i < n; i++) {
                        fresh += hit[i] && standing[i] ? 1 : 0;
                        standing[i] &= !hit[i];
                    }
                    broken.computeIfAbsent(id, x -> new LinkedHashMap<>()).put(key(eps),
                            spec.kind() == Attacks.Kind.MINIMUM_NORM ? count(hit) : fresh);
                    after.computeIfAbsent(id, x -> new LinkedHashMap<>()).put(key(eps), count(standing) / (double) n);
                }
                robustByEps.put(key(eps), count(standing) / (double) n);
            }
            if (!robustByEps.isEmpty()) {
                robust.put(norm.label(), robustByEps);
            }
        }
        List<AttackSummary> summaries = new ArrayList<>();
        for (String id : after.keySet()) {
            String name = id.substring(0, id.indexOf('/'));
            double time = o.seconds().getOrDefault(id, 0.0);
            summaries.add(new AttackSummary(name, Attacks.spec(name).kind().name().toLowerCase(Locale.ROOT)
                    .replace('_', '-'), id.substring(id.indexOf('/') + 1), accuracy.getOrDefault(id, Map.of()),
                    after.get(id), broken.get(id), time, time > 0 ? attacked.get(id) / time : 0));
        }
        return summaries;
    }

    static BudgetOutcome find(List<BudgetOutcome> runs, String attack, Norm norm, double eps) {
        return runs.stream().filter(r -> r.attack().equals(attack) && r.norm() == norm && r.epsilon() == eps)
                .findFirst().orElseThrow(() -> new IllegalArgumentException("outcomes lack " + attack + " at "
                        + norm.label() + " eps " + eps));
    }

    private static Map<String, Double> aloneIfFirst(List<AttackSummary> summaries, String attack, Norm norm) {
        return summaries.stream().filter(s -> s.name().equals(attack) && s.norm().equals(norm.label()))
                .map(AttackSummary::accuracy).findFirst().orElse(Map.of());
    }

    private static double meanRatio(Perturbations p, double[] inputNorms) {
        double sum = 0;
        for (int i = 0; i < inputNorms.length; i++) {
            sum += p.sizes()[i] / Math.max(inputNorms[i], 1e-12);
        }
        return sum / inputNorms.length;
    }

    static int count(boolean[] flags) {
        int count = 0;
        for (boolean f : flags) {
            count += f ? 1 : 0;
        }
        return count;
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static RobustnessReport fromJson(String json) throws JsonProcessingException {
        return JSON.readValue(json, RobustnessReport.class);
    }

    /** A human-readable table. */
    public String table() {
        StringBuilder s = new StringBuilder();
        line(s, "model", architecture + " / " + dataset + " / " + method);
        line(s, "test samples", Integer.toString(samples));
        line(s, "clean accuracy", percent(cleanAccuracy));
        line(s, "rho2", String.format(Locale.ROOT, "%.4e  (DeepFool, max %d iterations, %d not fooled, %.2f it. mean)",
                rho2, deepFoolMaxIterations, deepFoolUnconverged, deepFoolMeanIterations));
        if (rho2ShortCap != null) {
            line(s, "rho2 (short cap)", String.format(Locale.ROOT, "%.4e  (DeepFool, max %d iterations)",
                    rho2ShortCap, shortCapIterations));
        }
        line(s, "FGS eps_ref", epsRef == null ? "not reached"
                : String.format(Locale.ROOT, "%.4g (%s)", epsRef, epsRefSource));
        fgsAccuracy.forEach((ratio, accuracy) -> line(s, "paper FGS @ " + ratio + " eps_ref", percent(accuracy)
                + (stableFgsAccuracy.containsKey(ratio) ? "   (stable FGS " + percent(stableFgsAccuracy.get(ratio))
                + ")" : "")));
        robustAccuracy.forEach((norm, byEps) -> byEps.forEach((eps, accuracy) ->
                line(s, "robust accuracy " + norm + " " + eps, percent(accuracy))));
        for (AttackSummary a : attacks) {
            StringBuilder after = new StringBuilder();
            a.robustAfter().forEach((eps, accuracy) -> after.append(eps).append(": ").append(percent(accuracy))
                    .append("  "));
            line(s, "  " + a.name() + " (" + a.norm() + ")", String.format(Locale.ROOT,
                    "robust after it at %s(%.1f s, %.0f img/s)", after, a.seconds(), a.imagesPerSecond()));
        }
        if (cwMedianRatio != null) {
            line(s, "C&W-L2", String.format(Locale.ROOT, "%.4e  (median ||delta||/||x|| over %d samples)",
                    cwMedianRatio, cwSamples));
        }
        line(s, "budgets", budgetUnits);
        line(s, "evaluation time", String.format(Locale.ROOT, "%.1f s", seconds));
        if (warnings.isEmpty()) {
            line(s, "warnings", "none");
        }
        for (EvaluationWarning w : warnings) {
            line(s, "WARNING " + w.kind(), w.message());
        }
        return s.toString();
    }

    private static void line(StringBuilder s, String name, String value) {
        s.append(String.format(Locale.ROOT, "%-28s %s%n", name, value));
    }

    private static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
    }
}
