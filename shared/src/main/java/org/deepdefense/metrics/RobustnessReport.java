package org.deepdefense.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.Locale;
import java.util.Map;

/**
 * Robustness of one model on a test set.
 *
 * @param rho2 mean over the test set of ‖Δx‖₂/‖x‖₂ for DeepFool's Δx, measured in {@code space}
 * @param deepFoolUnconverged samples DeepFool did not fool within its iteration cap (they still count in ρ₂)
 * @param epsRef the FGS ε at which half the test set is misclassified (of this model, or the one given to the
 *     evaluation, as the paper takes it from the Deep Defense model); null when no ε up to the search cap got there
 * @param epsRefSource "self" when computed on this model, else where it came from
 * @param fgsAccuracy accuracy under FGS by ratio of ε_ref ("0.2", "0.5", "1.0")
 * @param pgdAccuracy accuracy under PGD-L∞ by ε (absolute, in {@code space})
 * @param rho2ShortCap ρ₂ with DeepFool capped at {@code shortCapIterations} (the paper's 5), or null if not measured
 * @param pgdL2Accuracy accuracy under PGD-L2 by ε (absolute)
 * @param cwMedianRatio median over the first {@code cwSamples} test samples of C&W-L2's ‖δ‖₂/‖x‖₂ (0 for a sample
 *     misclassified already, +∞ where the attack failed), or null if not measured
 * @param fgsCurve FGS accuracy by ε (absolute), {@code pgdCurve} PGD-L∞ accuracy by ε: the robustness curves
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
        Map<String, Double> pgdAccuracy,
        String space,
        double seconds,
        Double rho2ShortCap,
        int shortCapIterations,
        Map<String, Double> pgdL2Accuracy,
        Double cwMedianRatio,
        int cwSamples,
        Map<String, Double> fgsCurve,
        Map<String, Double> pgdCurve) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        s.append(String.format(Locale.ROOT, "%-28s %s / %s / %s%n", "model", architecture, dataset, method));
        s.append(String.format(Locale.ROOT, "%-28s %d%n", "test samples", samples));
        s.append(String.format(Locale.ROOT, "%-28s %.2f %%%n", "clean accuracy", 100 * cleanAccuracy));
        s.append(String.format(Locale.ROOT, "%-28s %.4e  (DeepFool, max %d iterations, %d not fooled, %.2f it. mean)%n",
                "rho2", rho2, deepFoolMaxIterations, deepFoolUnconverged, deepFoolMeanIterations));
        s.append(String.format(Locale.ROOT, "%-28s %s%n", "FGS eps_ref",
                epsRef == null ? "not reached" : String.format(Locale.ROOT, "%.4g (%s)", epsRef, epsRefSource)));
        if (rho2ShortCap != null) {
            s.append(String.format(Locale.ROOT, "%-28s %.4e  (DeepFool, max %d iterations)%n", "rho2 (short cap)",
                    rho2ShortCap, shortCapIterations));
        }
        fgsAccuracy.forEach((ratio, accuracy) -> s.append(String.format(Locale.ROOT, "%-28s %.2f %%%n",
                "FGS accuracy @ " + ratio + " eps_ref", 100 * accuracy)));
        pgdAccuracy.forEach((eps, accuracy) -> s.append(String.format(Locale.ROOT, "%-28s %.2f %%%n",
                "PGD-Linf accuracy @ eps " + eps, 100 * accuracy)));
        pgdL2Accuracy.forEach((eps, accuracy) -> s.append(String.format(Locale.ROOT, "%-28s %.2f %%%n",
                "PGD-L2 accuracy @ eps " + eps, 100 * accuracy)));
        if (cwMedianRatio != null) {
            s.append(String.format(Locale.ROOT, "%-28s %.4e  (median ||delta||/||x|| over %d samples)%n",
                    "C&W-L2", cwMedianRatio, cwSamples));
        }
        s.append(String.format(Locale.ROOT, "%-28s %s%n", "input space", space));
        s.append(String.format(Locale.ROOT, "%-28s %.1f s%n", "evaluation time", seconds));
        return s.toString();
    }
}
