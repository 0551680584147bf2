package org.deepdefense.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.deepdefense.messages.Topics;
import org.junit.jupiter.api.Test;

class LocalKafkaResourceTest {

    @Test
    void pointsQuarkusAtABrokerWithTheProjectTopicsAndTheirPartitions() throws Exception {
        var resource = new LocalKafkaResource();
        try {
            Map<String, String> config = resource.start();
            try (Admin admin = Admin.create(Map.of(
                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.get("kafka.bootstrap.servers")))) {
                Set<String> topics = admin.listTopics().names().get(30, TimeUnit.SECONDS);
                assertTrue(topics.containsAll(Topics.all()), "topics: " + topics);
                for (var topic : admin.describeTopics(Topics.all()).allTopicNames().get(30, TimeUnit.SECONDS)
                        .values()) {
                    assertEquals(Topics.partitions(topic.name()), topic.partitions().size(), topic.name());
                }
            }
        } finally {
            resource.stop();
        }
    }
}
