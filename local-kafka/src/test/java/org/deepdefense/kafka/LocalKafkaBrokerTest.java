package org.deepdefense.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerTest {

    private static final String TOPIC = "local-kafka-test";

    @Test
    void keepsRecordsAcrossARestartAndLeavesNoProcessBehind(@TempDir Path dir) throws Exception {
        long started = System.nanoTime();
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir)) {
            System.out.printf("first start: %.1f s%n", (System.nanoTime() - started) / 1e9);
            broker.createTopics(List.of(TOPIC), 1);
            send(broker, "run-1", "before restart");
            assertEquals(List.of("before restart"), readAll(broker, 1));

            long firstPid = broker.pid();
            started = System.nanoTime();
            broker.restart();
            System.out.printf("restart: %.1f s%n", (System.nanoTime() - started) / 1e9);
            assertFalse(ProcessHandle.of(firstPid).isPresent(), "the first broker process is gone");
            send(broker, "run-1", "after restart");
            assertEquals(List.of("before restart", "after restart"), readAll(broker, 2));

            broker.stop();
            assertFalse(ProcessHandle.of(broker.pid()).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    private static void send(LocalKafkaBroker broker, String key, String value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, key, value)).get();
        }
    }

    /** Every record of the topic from its beginning, read by a fresh consumer group. */
    private static List<String> readAll(LocalKafkaBroker broker, int expected) {
        try (var consumer = new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, UUID.randomUUID().toString(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(TOPIC));
            List<String> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (values.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(r.value()));
            }
            assertTrue(values.size() >= expected, "read only " + values);
            return values;
        }
    }
}
