package org.deepdefense.e2e;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.TopicReader;

/** What the end-to-end tests and the benchmark do to a running pipeline: submit, re-publish checkpoints, watch. */
final class PipelineDriver {
    static final Duration TIMEOUT = Duration.ofSeconds(300);
    private static final String SHARD_GROUP = "attack-service-shards";

    private PipelineDriver() {}

    /** Submits a vanilla MLP run on generated data (all three attacks) and returns its final checkpoint. */
    static CheckpointPublished train(String bootstrap, String runId, int trainSubset, int testSubset)
            throws Exception {
        submit(bootstrap, runId, "\"standard\"", trainSubset, testSubset);
        return TopicReader.await(bootstrap, List.of(Topics.CHECKPOINTS), TIMEOUT, r -> {
            CheckpointPublished checkpoint = Messages.parseCheckpointPublished(r.value());
            return runId.equals(r.key()) && checkpoint.finalCheckpoint() ? Optional.of(checkpoint) : Optional.empty();
        });
    }

    /**
     * A training request for one epoch of a vanilla MLP on {@code trainSubset} generated images, attacked on
     * {@code testSubset}; {@code attacks} is the inside of a JSON array, such as {@code "deepfool", "fgs"}.
     */
    static void submit(String bootstrap, String runId, String attacks, int trainSubset, int testSubset)
            throws Exception {
        String request = """
                {
                  "schemaVersion": 1,
                  "runId": "%s",
                  "dataset": "generated",
                  "architecture": "mlp",
                  "method": "vanilla",
                  "hyperparameters": {"epochs": 1, "batchSize": 50},
                  "seed": 7,
                  "attacks": [%s],
                  "trainSubset": %d,
                  "testSubset": %d
                }
                """.formatted(runId, attacks, trainSubset, testSubset);
        send(bootstrap, Topics.TRAINING_REQUESTS, runId, request.getBytes(StandardCharsets.UTF_8));
    }

    /** Publishes the trained checkpoint again as run {@code runId}, on its first {@code testSubset} test images. */
    static void republish(String bootstrap, CheckpointPublished trained, String runId, int testSubset)
            throws Exception {
        send(bootstrap, Topics.CHECKPOINTS, runId, Messages.toJson(copy(trained, runId, testSubset)));
    }

    private static CheckpointPublished copy(CheckpointPublished trained, String runId, int testSubset) {
        Map<String, Object> metadata = new LinkedHashMap<>(trained.metadata());
        metadata.put("testSubset", testSubset);
        return new CheckpointPublished(1, runId, runId + "-final", trained.storeKey(), trained.sha256(), true,
                trained.epoch(), trained.architecture(), trained.dataset(), null, trained.method(), trained.attacks(),
                metadata);
    }

    /** Waits until {@code members} attack replicas share the shard topic's partitions. */
    static void awaitShardGroup(String bootstrap, int members) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(SHARD_GROUP)).all().get()
                        .get(SHARD_GROUP);
                if (group.groupState() == GroupState.STABLE && group.members().size() == members
                        && group.members().stream().allMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                    return;
                }
                Thread.sleep(200);
            }
        }
        throw new AssertionError(members + " attack replicas never shared the shard topic");
    }

    /** Reports on the topic for a run, read to its end. */
    static long reports(String bootstrap, String runId) {
        return TopicReader.readAll(bootstrap, List.of(Topics.REPORTS)).stream()
                .filter(record -> runId.equals(record.key())).count();
    }

    static void send(String bootstrap, String topic, String key, byte[] value) throws Exception {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrap), new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, value)).get();
        }
    }
}
