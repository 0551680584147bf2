package org.deepdefense.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deepdefense.messages.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A {@link LocalKafkaBroker.Protocol#SASL_SSL} broker: TLS with the generated stores, SCRAM logins, the ACLs. */
class SecuredBrokerTest {

    @Test
    void usersWriteAndReadOnlyWhatTheirAclsGrantAndAWrongPasswordIsRefused(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir, LocalKafkaBroker.Protocol.SASL_SSL)) {
            System.out.printf("secured start: %.1f s%n", (System.nanoTime() - started) / 1e9);
            broker.createProjectTopics();
            assertTrue(Files.readString(dir.resolve("server.properties")).contains("listeners=SASL_SSL://"));

            send(broker.clientProperties(ServiceAccess.ATTACK), Topics.SHARD_RESULTS, "{}");
            var refused = assertThrows(ExecutionException.class,
                    () -> send(broker.clientProperties(ServiceAccess.TRAINER), Topics.SHARD_RESULTS, "{}"));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());

            assertEquals(List.of("{}"), readAll(broker.clientProperties(), Topics.SHARD_RESULTS));
            assertThrows(TopicAuthorizationException.class,
                    () -> readAll(broker.clientProperties(ServiceAccess.CLIENT), Topics.SHARD_RESULTS));

            Map<String, Object> wrongPassword = broker.clientProperties();
            wrongPassword.putAll(broker.security().orElseThrow().clientProperties("attack", "not-its-password"));
            assertThrows(SaslAuthenticationException.class, () -> readAll(wrongPassword, Topics.REPORTS));
        }
    }

    private static void send(Map<String, Object> client, String topic, String value) throws Exception {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        try (var producer = new KafkaProducer<>(properties, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "key", value)).get();
        }
    }

    /** Every value on the topic, read by assignment (no consumer group). */
    private static List<String> readAll(Map<String, Object> client, String topic) {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        try (var consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new StringDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
            List<String> values = new ArrayList<>();
            while (ends.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
            return values;
        }
    }
}
