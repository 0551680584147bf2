package org.deepdefense.messages;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.deepdefense.metrics.EvaluationWarning;
import org.deepdefense.metrics.RobustnessReport;

/**
 * The evaluator's robustness summary of one checkpoint; keyed by {@code runId}.
 *
 * @param cleanAccuracy accuracy on the unperturbed test set, in [0, 1]
 * @param rho2          mean over the test set of ‖Δx‖₂/‖x‖₂ found by DeepFool
 * @param epsRef        smallest FGS ε that fools 50 % of the test images, or null when not measured
 * @param fgsAccuracy   accuracy under FGS at ε = f·epsRef, keyed by f ({@link #FGS_FRACTIONS}); empty
 *                      when epsRef is null
 * @param pgdAccuracy   accuracy under L∞ PGD keyed by ε as a decimal number
 * @param space         the input space in which ρ₂ and ε are measured, as documented by the data pipeline
 * @param robustAccuracy by norm ("linf", "l2") and ε: the share of test samples no attack of the suite broke
 * @param warnings      masking warnings (kind and message); empty when none
 * @param report        the whole report the fields above summarise: every attack, budget and per-attack time
 */
public record RobustnessReportMessage(
        int schemaVersion,
        String runId,
        String checkpointId,
        String architecture,
        String dataset,
        String method,
        double cleanAccuracy,
        double rho2,
        Double epsRef,
        Map<String, Double> fgsAccuracy,
        Map<String, Double> pgdAccuracy,
        String space,
        String timestamp,
        Map<String, Map<String, Double>> robustAccuracy,
        List<EvaluationWarning> warnings,
        RobustnessReport report) implements Message {

    /** The paper's FGS budgets as fractions of epsRef. */
    public static final List<String> FGS_FRACTIONS = List.of("0.2", "0.5", "1.0");
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?([eE][-+]?\\d+)?");

    public RobustnessReportMessage {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        Check.oneOf("architecture", architecture, Messages.ARCHITECTURES);
        Check.oneOf("dataset", dataset, Messages.DATASETS);
        Check.oneOf("method", method, Messages.METHODS);
        Check.inRange("cleanAccuracy", cleanAccuracy, "[0, 1]");
        Check.inRange("rho2", rho2, "[0, inf)");
        if (epsRef != null) {
            Check.inRange("epsRef", epsRef, "(0, inf)");
        }
        fgsAccuracy = Check.numbers("fgsAccuracy", fgsAccuracy, "[0, 1]");
        for (String fraction : fgsAccuracy.keySet()) {
            Check.oneOf("fgsAccuracy key", fraction, FGS_FRACTIONS);
        }
        if (epsRef == null && !fgsAccuracy.isEmpty()) {
            throw Check.fail("fgsAccuracy must be empty when epsRef is null: its keys are fractions of epsRef");
        }
        pgdAccuracy = Check.numbers("pgdAccuracy", pgdAccuracy, "[0, 1]");
        for (String eps : pgdAccuracy.keySet()) {
            if (!DECIMAL.matcher(eps).matches() || Double.parseDouble(eps) <= 0) {
                throw Check.fail("pgdAccuracy keys must be positive decimal numbers, got %s", Check.quote(eps));
            }
        }
        Check.text("space", space, 256);
        Check.timestamp("timestamp", timestamp);
        Check.required("robustAccuracy", robustAccuracy);
        Map<String, Map<String, Double>> checked = new java.util.LinkedHashMap<>();
        robustAccuracy.forEach((norm, byEps) -> {
            Check.oneOf("robustAccuracy key", norm, List.of("linf", "l2"));
            checked.put(norm, Check.numbers("robustAccuracy." + norm, byEps, "[0, 1]"));
        });
        robustAccuracy = java.util.Collections.unmodifiableMap(checked);
        warnings = List.copyOf(Check.required("warnings", warnings));
        Check.required("report", report);
    }

    /** This report with the paper's FGS columns read at another model's ε_ref ({@link RobustnessReport#withEpsRef}). */
    public RobustnessReportMessage withEpsRef(double reference, String source) {
        return of(runId, checkpointId, report.withEpsRef(reference, source), timestamp);
    }

    /** The message for a checkpoint's report. */
    public static RobustnessReportMessage of(String runId, String checkpointId, RobustnessReport report,
            String timestamp) {
        return new RobustnessReportMessage(Messages.SCHEMA_VERSION, runId, checkpointId, report.architecture(),
                report.dataset(), report.method(), report.cleanAccuracy(), report.rho2(), report.epsRef(),
                report.fgsAccuracy(), report.pgdAccuracy(), report.space(), timestamp, report.robustAccuracy(),
                report.warnings(), report);
    }
}
