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
    void partitionCountsAreTheDeployedOnes() throws java.io.IOException {
        // Surefire runs in the module folder; the manifest is the project's.
        String manifest = java.nio.file.Files.readString(java.nio.file.Path.of("../k8s/base/kafka-topics.yaml"));
        java.util.regex.Matcher topic = java.util.regex.Pattern
                .compile("name: (\\S+)\\s+(?:[^\\n]*\\n)*?\\s*partitions: (\\d+)").matcher(manifest);
        java.util.Map<String, Integer> deployed = new java.util.TreeMap<>();
        while (topic.find()) {
            deployed.put(topic.group(1), Integer.parseInt(topic.group(2)));
        }
        java.util.Map<String, Integer> here = new java.util.TreeMap<>();
        Topics.all().forEach(name -> here.put(name, Topics.partitions(name)));
        assertEquals(deployed, here);
        assertEquals(12, Topics.partitions(Topics.ATTACK_SHARDS));
    }
}
