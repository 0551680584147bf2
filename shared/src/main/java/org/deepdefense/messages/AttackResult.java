package org.deepdefense.messages;

import java.util.Map;

/**
 * What one attack measured on one checkpoint; keyed by {@code runId}.
 *
 * @param attack  {@code deepfool}, {@code fgs} or {@code pgd-linf}
 * @param values  the attack's measurements by name (for instance {@code rho2}, {@code epsRef}, or the
 *                accuracy at each ε), all finite
 * @param samples number of test images attacked
 * @param seconds wall-clock time the attack took
 */
public record AttackResult(
        int schemaVersion,
        String runId,
        String checkpointId,
        String attack,
        Map<String, Double> values,
        int samples,
        double seconds,
        String timestamp) implements Message {

    public AttackResult {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        Check.oneOf("attack", attack, Messages.ATTACKS);
        values = Check.numbers("values", values, "(-inf, inf)");
        if (values.isEmpty()) {
            throw Check.fail("values must not be empty");
        }
        Check.atLeast("samples", samples, 1);
        Check.inRange("seconds", seconds, "[0, inf)");
        Check.timestamp("timestamp", timestamp);
    }
}
