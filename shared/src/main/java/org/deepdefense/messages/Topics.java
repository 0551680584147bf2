package org.deepdefense.messages;

import java.util.List;
import java.util.stream.Stream;

/**
 * Default topic names. Services bind channels to them through {@code mp.messaging.*.topic}, so a
 * deployment can rename any of them in configuration; these constants are the defaults and what tests
 * and the local broker create.
 */
public final class Topics {

    public static final String TRAINING_REQUESTS = "deepdefense.training.requests";
    /** Sweeps, which the trainers expand into training requests. */
    public static final String SWEEP_REQUESTS = "deepdefense.sweep.requests";
    public static final String TRAINING_PROGRESS = "deepdefense.training.progress";
    public static final String CHECKPOINTS = "deepdefense.checkpoints";
    public static final String ATTACK_RESULTS = "deepdefense.attack.results";
    public static final String REPORTS = "deepdefense.reports";
    /** Attack work of final checkpoints, one record per shard; partitioned so that replicas share it. */
    public static final String ATTACK_SHARDS = "deepdefense.attack.shards";
    public static final String SHARD_RESULTS = "deepdefense.attack.shard-results";
    /** Partitions of {@link #ATTACK_SHARDS}: the most attack replicas that can work at once. */
    public static final int ATTACK_SHARD_PARTITIONS = 12;

    private static final List<String> MAIN =
            List.of(TRAINING_REQUESTS, TRAINING_PROGRESS, CHECKPOINTS, ATTACK_RESULTS, REPORTS, ATTACK_SHARDS,
                    SHARD_RESULTS, SWEEP_REQUESTS);

    private Topics() {
    }

    /**
     * How many partitions {@code topic} is created with: as deployed (k8s/base/kafka-topics.yaml), so that tests see
     * records spread over partitions as production does; dead-letter topics have one.
     */
    public static int partitions(String topic) {
        return switch (topic) {
            case ATTACK_SHARDS, SHARD_RESULTS -> ATTACK_SHARD_PARTITIONS;
            case REPORTS, SWEEP_REQUESTS -> 3;
            case TRAINING_REQUESTS, TRAINING_PROGRESS, CHECKPOINTS, ATTACK_RESULTS -> 6;
            default -> 1;
        };
    }

    /** The dead-letter topic that receives the poison records of {@code topic}. */
    public static String deadLetter(String topic) {
        return topic + ".dlq";
    }

    /** Every project topic followed by every dead-letter topic. */
    public static List<String> all() {
        return Stream.concat(MAIN.stream(), MAIN.stream().map(Topics::deadLetter)).toList();
    }
}
