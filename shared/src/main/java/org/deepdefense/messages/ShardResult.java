package org.deepdefense.messages;

import java.util.List;
import org.deepdefense.attack.Attacks;

/**
 * What one {@link AttackShard} found, per sample; keyed by {@code checkpointId} so that all shards of a checkpoint
 * reach the same evaluator partition. The evaluator concatenates the shards' outcomes in order, so a report does
 * not depend on how many replicas did the work.
 *
 * @param attacks  the attacks run, in order, copied from the shard
 * @param outcomes per-sample outcomes of the {@code to − from} images, packed
 * @param options  the options the shard was measured with, copied from it
 * @param seconds  wall-clock time the shard took
 */
public record ShardResult(
        int schemaVersion,
        String runId,
        String checkpointId,
        List<String> attacks,
        int shard,
        int shards,
        int from,
        int to,
        PackedOutcomes outcomes,
        EvaluationOptions options,
        double seconds,
        String timestamp) implements Message {

    public ShardResult {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        attacks = suite(attacks);
        Check.inRange("shards", shards, 1, AttackShard.MAX_SHARDS);
        Check.inRange("shard", shard, 0, shards - 1);
        checkRange(from, to, null);
        Check.inRange("samples", to - from, 1, PackedOutcomes.MAX_SAMPLES);
        Check.required("options", options);
        Check.required("outcomes", outcomes).check(to - from, attacks, options);
        Check.inRange("seconds", seconds, "[0, inf)");
        Check.timestamp("timestamp", timestamp);
    }

    /** The shard's identity within its checkpoint: a redelivered shard has the same one. */
    public String shardId() {
        return Integer.toString(shard);
    }

    /**
     * Whether {@code other} found the same as this result: everything but the wall-clock times (the result's, its
     * timestamp and each attack's), which differ between two runs of one shard.
     */
    public boolean sameFindings(ShardResult other) {
        return schemaVersion == other.schemaVersion && runId.equals(other.runId)
                && checkpointId.equals(other.checkpointId) && attacks.equals(other.attacks) && shard == other.shard
                && shards == other.shards && from == other.from && to == other.to && options.equals(other.options)
                && outcomes.withoutTimes().equals(other.outcomes.withoutTimes());
    }

    static void checkRange(int from, int to, Integer size) {
        Check.atLeast("from", from, 0);
        Check.atLeast("to", to, from + 1L);
        if (size != null && to > size) {
            throw Check.fail("to must be at most testSubset %d, got %d", size, to);
        }
    }

    /** Registered attack names, distinct, with deepfool among them (a report needs ρ₂), presets not allowed. */
    static List<String> suite(List<String> attacks) {
        List<String> names = Check.distinctOf("attacks", attacks, Attacks.names());
        if (!names.contains("deepfool")) {
            throw Check.fail("attacks must include deepfool: a report needs rho2");
        }
        return List.copyOf(names);
    }
}
