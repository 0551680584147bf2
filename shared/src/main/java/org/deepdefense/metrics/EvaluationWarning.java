package org.deepdefense.metrics;

/**
 * A sign that an evaluation may overstate robustness (gradient masking, saturation, budgets on the wrong scale).
 *
 * @param kind    a stable identifier, also the label of the evaluator's warnings gauge
 * @param message what was measured, in words
 */
public record EvaluationWarning(String kind, String message) {
    /** Every kind the masking checks raise. */
    public static final java.util.List<String> KINDS = java.util.List.of("saturated-softmax", "zero-gradient",
            "cross-entropy-masking", "black-box-only", "no-effect", "more-iterations-break");
}
