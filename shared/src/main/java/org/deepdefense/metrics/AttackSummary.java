package org.deepdefense.metrics;

import java.util.Map;

/**
 * One attack of a suite, per budget (keys: ε as a decimal number, in the report's budget units).
 *
 * @param accuracy        accuracy under this attack alone, where it ran on every correctly classified sample
 *                        (minimum-norm attacks, and the first fixed-budget attack of its norm); else empty
 * @param robustAfter     robust accuracy after this attack and the ones before it in the suite
 * @param broken          samples this attack broke that the fixed-budget attacks before it had not (minimum-norm
 *                        attacks: every sample they broke)
 * @param seconds         wall time over all budgets; {@code imagesPerSecond} samples attacked per second
 */
public record AttackSummary(String name, String kind, String norm, Map<String, Double> accuracy,
        Map<String, Double> robustAfter, Map<String, Integer> broken, double seconds, double imagesPerSecond) {}
