package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;

/** What the tests do from outside the services: produce records, read topics, scrape HTTP endpoints. */
final class Kafka {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Kafka() {}

    /** A key and a value to produce; either may be null. */
    record Record(String key, byte[] value) {}

    /** Where a record landed. */
    record Position(int partition, long offset) {}

    /** Produces all records at once and returns where each one landed, in order, once the broker has them all. */
    static List<Position> send(String bootstrap, String topic, List<Record> records) throws Exception {
        return send(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, records);
    }

    /** Like {@link #send(String, String, List)} with the given client properties (a secured broker's). */
    static List<Position> send(Map<String, Object> client, String topic, List<Record> records) throws Exception {
        Map<String, Object> properties = new HashMap<>(client);
        properties.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        properties.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1024 * 1024);
        try (var producer = new KafkaProducer<>(properties, new StringSerializer(), new ByteArraySerializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            for (Record record : records) {
                sent.add(producer.send(new ProducerRecord<>(topic, record.key(), record.value())));
            }
            List<Position> positions = new ArrayList<>();
            for (Future<RecordMetadata> metadata : sent) {
                positions.add(new Position(metadata.get().partition(), metadata.get().offset()));
            }
            return positions;
        }
    }

    static Position send(String bootstrap, String topic, String key, String json) throws Exception {
        return send(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap), topic, key, json);
    }

    static Position send(Map<String, Object> client, String topic, String key, String json) throws Exception {
        return send(client, topic, List.of(new Record(key, json.getBytes(StandardCharsets.UTF_8)))).get(0);
    }

    /**
     * Reads {@code topics} from their beginning until {@code done} holds for what was read so far or
     * {@code timeout} passes, and returns what was read either way (the caller asserts on it).
     */
    static List<ConsumerRecord<String, byte[]>> read(String bootstrap, List<String> topics, Duration timeout,
            Predicate<List<ConsumerRecord<String, byte[]>>> done) {
        List<ConsumerRecord<String, byte[]>> all = new ArrayList<>();
        try (var consumer = TopicReader.fromTheBeginning(bootstrap, topics)) {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(all) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(500)).forEach(all::add);
            }
        }
        return all;
    }

    /** A checkpoint's shard plan and its shard results, in their partition's order. */
    record ShardOutputs(ShardPlan plan, List<ShardResult> results) {}

    /** The plan and the results of {@code checkpointId} on the shard-results topic now: a plan and one per shard. */
    static ShardOutputs shardOutputs(Map<String, Object> client, String checkpointId) {
        ShardPlan plan = null;
        List<ShardResult> results = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : TopicReader.readAll(client, List.of(Topics.SHARD_RESULTS))) {
            if (checkpointId.equals(r.key())) {
                Message output = Messages.parseShardOutput(r.value());
                if (output instanceof ShardPlan p) {
                    plan = p;
                } else {
                    results.add((ShardResult) output);
                }
            }
        }
        assertTrue(plan != null && plan.shards() == results.size(), "a plan and one result per shard: " + plan);
        return new ShardOutputs(plan, results);
    }

    /** The dead letter that {@code writer} wrote for the record at {@code at} of {@code topic}. */
    static DeadLetter awaitLetter(Map<String, Object> client, String topic, Position at, Service writer,
            Duration timeout) {
        return TopicReader.await(client, List.of(Topics.deadLetter(topic)), timeout, r -> {
            DeadLetter letter = Messages.parseDeadLetter(r.value());
            var header = r.headers().lastHeader(DeadLetter.WRITER_HEADER);
            return letter.partition() == at.partition() && letter.offset() == at.offset() && header != null
                    && writer.module().equals(new String(header.value(), StandardCharsets.UTF_8))
                    ? Optional.of(letter) : Optional.empty();
        });
    }

    /** The body of a GET that must answer 200. */
    static String get(URI uri) throws Exception {
        HttpResponse<String> response = getAnyStatus(uri);
        assertEquals(200, response.statusCode(), () -> uri + ": " + response.body());
        return response.body();
    }

    /** The answer to a GET, whatever its status. */
    static HttpResponse<String> getAnyStatus(URI uri) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A vanilla MLP run on generated images, DeepFool and FGS on {@code testSubset} of them. */
    static String request(String runId, int trainSubset, int batchSize, int epochs, int testSubset) {
        return """
                {"schemaVersion": 1, "runId": "%s", "dataset": "generated", "architecture": "mlp",
                 "method": "vanilla", "hyperparameters": {"epochs": %d, "batchSize": %d, "learningRate": 0.01},
                 "seed": 7, "attacks": ["deepfool", "fgs"], "trainSubset": %d, "testSubset": %d}
                """.formatted(runId, epochs, batchSize, trainSubset, testSubset);
    }
}
