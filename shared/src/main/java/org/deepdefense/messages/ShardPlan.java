package org.deepdefense.messages;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the attack service split one final checkpoint: the shards' test-image ranges, the attacks and the options every
 * shard carries. The splitter publishes it on the shard-results topic, keyed by {@code checkpointId} like the
 * results, before any of the shards: it lies in the same partition ahead of every genuine result, so the evaluator
 * knows the plan before the first result it must check against it.
 *
 * @param boundaries shard {@code i} covers the test images {@code [boundaries[i], boundaries[i+1])}; starts at 0,
 *                   strictly increasing, so the shards tile the test set
 */
public record ShardPlan(
        int schemaVersion,
        String runId,
        String checkpointId,
        List<String> attacks,
        List<Integer> boundaries,
        EvaluationOptions options,
        String timestamp) implements Message {

    /** The field that tells a plan from a {@link ShardResult} on their shared topic. */
    static final String DISCRIMINATOR = "boundaries";

    public ShardPlan {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        attacks = ShardResult.suite(attacks);
        boundaries = List.copyOf(Check.required("boundaries", boundaries));
        Check.inRange("boundaries (count)", boundaries.size(), 2, AttackShard.MAX_SHARDS + 1);
        if (boundaries.get(0) != 0) {
            throw Check.fail("boundaries must start at 0, got %d", boundaries.get(0));
        }
        for (int i = 1; i < boundaries.size(); i++) {
            if (boundaries.get(i) <= boundaries.get(i - 1)) {
                throw Check.fail("boundaries must increase strictly, got %d after %d", boundaries.get(i),
                        boundaries.get(i - 1));
            }
        }
        Check.required("options", options);
        Check.timestamp("timestamp", timestamp);
    }

    /** The plan of the shards a checkpoint was split into (all of them, in order). */
    public static ShardPlan of(List<AttackShard> shards, String timestamp) {
        AttackShard first = shards.get(0);
        List<Integer> boundaries = new ArrayList<>(List.of(0));
        shards.forEach(shard -> boundaries.add(shard.to()));
        return new ShardPlan(Messages.SCHEMA_VERSION, first.runId(), first.checkpointId(), first.attacks(),
                boundaries, first.options(), timestamp);
    }

    public int shards() {
        return boundaries.size() - 1;
    }

    /** The test images the plan covers. */
    public int samples() {
        return boundaries.get(shards());
    }

    /** Whether {@code other} plans the same work; the timestamp does not count. */
    public boolean samePlan(ShardPlan other) {
        return runId.equals(other.runId) && checkpointId.equals(other.checkpointId) && attacks.equals(other.attacks)
                && boundaries.equals(other.boundaries) && options.equals(other.options);
    }

    /** Why {@code result} is not one of this plan's shards, if it is not. */
    public Optional<String> mismatch(ShardResult result) {
        String shard = "shard " + result.shard() + " of " + checkpointId;
        if (!result.runId().equals(runId) || !result.checkpointId().equals(checkpointId)) {
            return Optional.of(shard + " names run " + result.runId() + ", the plan run " + runId);
        }
        if (result.shards() != shards()) {
            return Optional.of(shard + " says " + result.shards() + " shards, the plan " + shards());
        }
        int from = boundaries.get(result.shard());
        int to = boundaries.get(result.shard() + 1);
        if (result.from() != from || result.to() != to) {
            return Optional.of(shard + " covers [" + result.from() + ", " + result.to() + "), the plan [" + from
                    + ", " + to + ")");
        }
        if (!result.attacks().equals(attacks)) {
            return Optional.of(shard + " ran " + result.attacks() + ", the plan " + attacks);
        }
        if (!result.options().equals(options)) {
            return Optional.of(shard + " was measured with other options than the plan's");
        }
        return Optional.empty();
    }
}
