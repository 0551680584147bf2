package org.deepdefense.messages;

import java.util.List;

/**
 * One unit of attack work: the attack suite on the test images {@code [from, to)} of one checkpoint's test split;
 * keyed by {@code checkpointId/shard}. The attack service splits each final checkpoint into these and any replica
 * of it may do any of them; doing one twice gives the same {@link ShardResult}.
 *
 * @param datasetRoot the checkpoint's image folder, relative to a replica's directory of image folders
 *                   ({@code imagefolder} only)
 * @param testSubset the first {@code testSubset} test images form the test set; null for the whole split
 * @param attacks    the registered attacks to run, in order (presets already expanded)
 * @param shard      this shard's position among the checkpoint's {@code shards} shards
 */
public record AttackShard(
        int schemaVersion,
        String runId,
        String checkpointId,
        String storeKey,
        String sha256,
        String architecture,
        String dataset,
        String datasetRoot,
        Integer testSubset,
        List<String> attacks,
        int shard,
        int shards,
        int from,
        int to,
        EvaluationOptions options) implements Message {

    public static final int MAX_SHARDS = 10_000;

    public AttackShard {
        Check.schemaVersion(schemaVersion);
        Check.id("runId", runId);
        Check.id("checkpointId", checkpointId);
        Check.storeKey("storeKey", storeKey);
        Check.sha256("sha256", sha256);
        Check.oneOf("architecture", architecture, Messages.ARCHITECTURES);
        Check.oneOf("dataset", dataset, Messages.DATASETS);
        Check.datasetRoot(dataset, datasetRoot);
        if (testSubset != null) {
            Check.atLeast("testSubset", testSubset, 1);
        }
        attacks = ShardResult.suite(attacks);
        Check.inRange("shards", shards, 1, MAX_SHARDS);
        Check.inRange("shard", shard, 0, shards - 1);
        ShardResult.checkRange(from, to, testSubset);
        Check.required("options", options);
    }

    /** The record key: distinct per shard, so that the shards of one checkpoint spread over partitions. */
    public String key() {
        return checkpointId + "/" + shard;
    }
}
