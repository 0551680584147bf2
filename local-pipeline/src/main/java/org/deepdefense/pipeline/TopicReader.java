package org.deepdefense.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.Topics;

/** Waits for records on the pipeline's topics: reports in the tests, checkpoints and progress in the CLI's demo. */
public final class TopicReader {
    private TopicReader() {}

    /** Reads {@code topics} from their beginning and hands each record to {@code onRecord} until it returns a value. */
    public static <T> T await(String bootstrap, List<String> topics, Duration timeout,
            Function<ConsumerRecord<String, byte[]>, Optional<T>> onRecord) {
        return await(client(bootstrap), topics, timeout, onRecord);
    }

    /** Like {@link #await(String, List, Duration, Function)} with the given client properties (a secured broker's). */
    public static <T> T await(Map<String, Object> client, List<String> topics, Duration timeout,
            Function<ConsumerRecord<String, byte[]>, Optional<T>> onRecord) {
        try (var consumer = fromTheBeginning(client, topics)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofSeconds(1))) {
                    Optional<T> result = onRecord.apply(record);
                    if (result.isPresent()) {
                        return result.get();
                    }
                }
            }
        }
        throw new IllegalStateException("nothing awaited arrived on " + topics + " within " + timeout
                + "; see the service logs");
    }

    /** Everything on {@code topics} now: from their beginning to their end offsets at the time of the call. */
    public static List<ConsumerRecord<String, byte[]>> readAll(String bootstrap, List<String> topics) {
        return readAll(client(bootstrap), topics);
    }

    /** Like {@link #readAll(String, List)} with the given client properties. */
    public static List<ConsumerRecord<String, byte[]>> readAll(Map<String, Object> client, List<String> topics) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (var consumer = fromTheBeginning(client, topics)) {
            Map<TopicPartition, Long> ends = consumer.endOffsets(consumer.assignment());
            while (ends.entrySet().stream().anyMatch(end -> consumer.position(end.getKey()) < end.getValue())) {
                consumer.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }

    /**
     * A consumer of {@code topics} from their beginning: assigned, not subscribed, so there is no group to join and
     * nothing published before the call is missed.
     */
    public static KafkaConsumer<String, byte[]> fromTheBeginning(String bootstrap, List<String> topics) {
        return fromTheBeginning(client(bootstrap), topics);
    }

    /** Like {@link #fromTheBeginning(String, List)} with the given client properties. */
    public static KafkaConsumer<String, byte[]> fromTheBeginning(Map<String, Object> client, List<String> topics) {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        var consumer = new KafkaConsumer<>(properties, new StringDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> partitions = topics.stream().flatMap(topic -> consumer.partitionsFor(topic).stream())
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }

    /** The first report of run {@code runId}. */
    public static RobustnessReportMessage awaitReport(String bootstrap, String runId, Duration timeout) {
        return awaitReport(client(bootstrap), runId, timeout);
    }

    /** Like {@link #awaitReport(String, String, Duration)} with the given client properties. */
    public static RobustnessReportMessage awaitReport(Map<String, Object> client, String runId, Duration timeout) {
        return await(client, List.of(Topics.REPORTS), timeout, record -> runId.equals(record.key())
                ? Optional.of(Messages.parseRobustnessReport(record.value())) : Optional.empty());
    }

    /** The properties of a client of a plain-text broker. */
    private static Map<String, Object> client(String bootstrap) {
        return Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    }
}
