package org.deepdefense.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void listsEveryTopicThenItsDeadLetterTopic() {
        assertEquals(List.of(
                "deepdefense.training.requests", "deepdefense.training.progress", "deepdefense.checkpoints",
                "deepdefense.attack.results", "deepdefense.reports",
                "deepdefense.training.requests.dlq", "deepdefense.training.progress.dlq", "deepdefense.checkpoints.dlq",
                "deepdefense.attack.results.dlq", "deepdefense.reports.dlq"), Topics.all());
    }
}
