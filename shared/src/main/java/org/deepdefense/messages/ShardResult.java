package org.deepdefense.messages;

import java.util.List;
import java.util.Map;

/**
 * What one {@link AttackShard} measured; keyed by {@code checkpointId} so that all shards of a checkpoint reach
 * the same evaluator partition. Values are sums and counts over the shard, not means, so that the evaluator can
 * merge shards exactly.
 *
 * @param values     the attack's sums and counts by name (for instance {@code ratioSum}, {@code correct}),
 *                   all finite and non-negative
 * @param fgsCorrect for {@code fgs}: correctly classified images at each ε of the options' FGS grid; else empty
 * @param options    the options the shard was measured with, copied from it
 * @param seconds    wall-clock time the shard took
 */
public record ShardResult(
        int schemaVersion,
        String runId,
        String checkpointId,
        String attack,
        int shard,
        int shards,
        int from,
        int to,
        Map<String, Double> values,
        List<Integer> fgsCorrect,
        EvaluationOptions options,
        double seconds,
        String timestamp) implements Message {

    public ShardResult {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        Check.oneOf("attack", attack, Messages.ATTACKS);
        Check.inRange("shards", shards, 1, AttackShard.MAX_SHARDS);
        Check.inRange("shard", shard, 0, shards - 1);
        checkRange(from, to, null);
        values = Check.numbers("values", values, "[0, inf)");
        fgsCorrect = fgsCorrect == null ? List.of() : List.copyOf(fgsCorrect);
        for (int i = 0; i < fgsCorrect.size(); i++) {
            Check.inRange("fgsCorrect[" + i + "]", fgsCorrect.get(i), 0, to - from);
        }
        Check.required("options", options);
        Check.inRange("seconds", seconds, "[0, inf)");
        Check.timestamp("timestamp", timestamp);
    }

    /** The shard's identity within its checkpoint: a redelivered shard has the same one. */
    public String shardId() {
        return attack + "/" + shard;
    }

    static void checkRange(int from, int to, Integer size) {
        Check.atLeast("from", from, 0);
        Check.atLeast("to", to, from + 1L);
        if (size != null && to > size) {
            throw Check.fail("to must be at most testSubset %d, got %d", size, to);
        }
    }
}
