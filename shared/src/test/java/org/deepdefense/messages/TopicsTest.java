package org.deepdefense.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void listsEveryTopicThenItsDeadLetterTopic() {
        assertEquals(List.of(
                "deepdefense.training.requests", "deepdefense.training.progress", "deepdefense.checkpoints",
                "deepdefense.attack.results", "deepdefense.reports", "deepdefense.attack.shards",
                "deepdefense.attack.shard-results", "deepdefense.sweep.requests",
                "deepdefense.training.requests.dlq", "deepdefense.training.progress.dlq", "deepdefense.checkpoints.dlq",
                "deepdefense.attack.results.dlq", "deepdefense.reports.dlq", "deepdefense.attack.shards.dlq",
                "deepdefense.attack.shard-results.dlq", "deepdefense.sweep.requests.dlq"), Topics.all());
    }

    @Test
    void onlyTheShardTopicHasSeveralPartitions() {
        assertEquals(12, Topics.partitions(Topics.ATTACK_SHARDS));
        assertEquals(1, Topics.partitions(Topics.SHARD_RESULTS));
    }
}
