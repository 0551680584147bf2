package org.deepdefense.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How often the safeguards that only this project has (the official code has none) fired: Deep Defense samples
 * whose r was capped at {@link DeepDefenseObjective#MAX_RATIO} inside the exponentials, unrolled DeepFool steps
 * stopped by the {@link UnrolledDeepFool#MAX_STEP_RATIO}·‖x‖ bound, SGD updates clipped to
 * {@link Sgd#MAX_GRADIENT_NORM}, and updates skipped for a non-finite gradient. All four are counted on the host
 * from values a step reads anyway, so counting costs no device transfer.
 */
public record Stabilisers(long ratioCapped, long stepCapped, long gradientClipped, long updatesSkipped) {
    public static final Stabilisers NONE = new Stabilisers(0, 0, 0, 0);
    /** Key prefix in checkpoint metrics: {@code stabiliser.<name>} for an epoch, {@code stabiliser.<name>.run} for the run. */
    private static final String PREFIX = "stabiliser.";
    private static final String RUN = ".run";

    public Stabilisers {
        if (ratioCapped < 0 || stepCapped < 0 || gradientClipped < 0 || updatesSkipped < 0) {
            throw new IllegalArgumentException("stabiliser counts cannot be negative");
        }
    }

    public Stabilisers plus(Stabilisers other) {
        return new Stabilisers(ratioCapped + other.ratioCapped, stepCapped + other.stepCapped,
                gradientClipped + other.gradientClipped, updatesSkipped + other.updatesSkipped);
    }

    public Stabilisers minus(Stabilisers other) {
        return new Stabilisers(ratioCapped - other.ratioCapped, stepCapped - other.stepCapped,
                gradientClipped - other.gradientClipped, updatesSkipped - other.updatesSkipped);
    }

    /** What an SGD update adds: one clipped or one skipped update, or nothing. */
    static Stabilisers of(Sgd.Update update) {
        return new Stabilisers(0, 0, update == Sgd.Update.CLIPPED ? 1 : 0, update == Sgd.Update.SKIPPED ? 1 : 0);
    }

    /** By name, in a fixed order, for messages and reports. */
    public Map<String, Long> toMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        map.put("ratioCapped", ratioCapped);
        map.put("stepCapped", stepCapped);
        map.put("gradientClipped", gradientClipped);
        map.put("updatesSkipped", updatesSkipped);
        return map;
    }

    /** The inverse of {@link #toMap}; absent names count 0. */
    public static Stabilisers fromMap(Map<String, ? extends Number> map) {
        return new Stabilisers(count(map, "ratioCapped"), count(map, "stepCapped"), count(map, "gradientClipped"),
                count(map, "updatesSkipped"));
    }

    /** One line for progress output and result tables. */
    public String describe() {
        return "r capped " + ratioCapped + ", DeepFool steps capped " + stepCapped + ", gradients clipped "
                + gradientClipped + ", updates skipped " + updatesSkipped;
    }

    /** The names {@link #toMap} uses. */
    public static java.util.Set<String> names() {
        return NONE.toMap().keySet();
    }

    /** Checkpoint metrics: this epoch's counts and the run's totals. */
    static Map<String, Double> metrics(Stabilisers epoch, Stabilisers run) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        epoch.toMap().forEach((name, count) -> metrics.put(PREFIX + name, count.doubleValue()));
        run.toMap().forEach((name, count) -> metrics.put(PREFIX + name + RUN, count.doubleValue()));
        return metrics;
    }

    /** The epoch's counts from checkpoint metrics (0 where a checkpoint predates them). */
    public static Stabilisers epochIn(Map<String, Double> metrics) {
        return fromMetrics(metrics, "");
    }

    /** The run's totals up to a checkpoint, from its metrics (0 where a checkpoint predates them). */
    public static Stabilisers runIn(Map<String, Double> metrics) {
        return fromMetrics(metrics, RUN);
    }

    private static Stabilisers fromMetrics(Map<String, Double> metrics, String suffix) {
        Map<String, Double> byName = new LinkedHashMap<>();
        for (String name : names()) {
            Double value = metrics.get(PREFIX + name + suffix);
            if (value != null) {
                byName.put(name, value);
            }
        }
        return fromMap(byName);
    }

    private static long count(Map<String, ? extends Number> map, String name) {
        Number value = map.get(name);
        return value == null ? 0 : value.longValue();
    }
}
