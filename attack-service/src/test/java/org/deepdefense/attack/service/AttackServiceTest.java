package org.deepdefense.attack.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.ConsumerTask;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.AttackShard;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.metrics.SampleOutcomes;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TrainedCheckpointResource.class)
// The first test counts every record on its topics; the second picks its own out by key.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AttackServiceTest {
    private static final String RUN = TrainedCheckpointResource.RUN;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** The standard suite on 100 test images in shards of 50 (application.properties, test profile). */
    private static final int SHARDS = 2;

    @ConfigProperty(name = "deepdefense.store.root")
    Path storeRoot;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    @Order(1)
    void splitsAFinalCheckpointIntoShardsDoesEachSetsPoisonAsideAndDoesNotRepeatItself() throws IOException {
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            String sha256 = new CheckpointStore(storeRoot).readMetadata(TrainedCheckpointResource.KEY).sha256();
            byte[] checkpoint = Messages.toJson(checkpoint(RUN + "-final", sha256));
            send(kafka, Topics.CHECKPOINTS, checkpoint);

            List<ConsumerRecord<String, byte[]>> shardRecords = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.ATTACK_SHARDS, SHARDS).awaitCompletion(TIMEOUT).getRecords();
            assertEquals(Set.of(0, 1), shardRecords.stream().map(ConsumerRecord::partition)
                    .collect(Collectors.toSet()), "shard i on partition i");
            AttackShard first = Messages.parseAttackShard(shardRecords.stream().filter(r -> r.partition() == 0)
                    .findFirst().orElseThrow().value());
            assertEquals(List.of(List.of("deepfool", "paper-fgs", "fgs", "apgd-ce", "apgd-t", "square"), 0, 0, 50),
                    List.of(first.attacks(), first.shard(), first.from(), first.to()));

            // The plan first, then a result per shard, all keyed by checkpointId (so in one partition, in order).
            List<ConsumerRecord<String, byte[]>> outputs = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.SHARD_RESULTS, SHARDS + 1).awaitCompletion(TIMEOUT).getRecords();
            outputs.forEach(r -> assertEquals(RUN + "-final", r.key()));
            ShardPlan plan = Messages.parseShardPlan(outputs.get(0).value());
            assertEquals(List.of(List.of(0, 50, 100), first.attacks(), first.options()),
                    List.of(plan.boundaries(), plan.attacks(), plan.options()));
            Map<String, ShardResult> results = outputs.subList(1, outputs.size()).stream()
                    .map(r -> Messages.parseShardResult(r.value()))
                    .peek(r -> assertTrue(plan.mismatch(r).isEmpty(), () -> plan.mismatch(r).orElseThrow()))
                    .collect(Collectors.toMap(ShardResult::shardId, r -> r));
            assertEquals(Set.of("0", "1"), results.keySet());
            SampleOutcomes outcomes = SampleOutcomes.concat(List.of(results.get("0").outcomes().unpack(50),
                    results.get("1").outcomes().unpack(50)));
            RobustnessReport report = RobustnessReport.of(outcomes, first.options().evaluatorOptions(first.attacks()),
                    "mlp", "generated", "vanilla", "generated", 0);
            assertTrue(report.rho2() > 0 && Double.isFinite(report.rho2()), "rho2 " + report.rho2());
            assertTrue(report.epsRef() > 0, "the trained model has an eps_ref: " + report.epsRef());
            double robust = report.robustAccuracy().get("linf").get("20");
            assertTrue(robust < report.cleanAccuracy(), "the suite breaks samples at eps 20: " + robust);

            send(kafka, Topics.CHECKPOINTS, "{not json".getBytes(StandardCharsets.UTF_8));
            send(kafka, Topics.CHECKPOINTS, checkpoint);
            // The replay above comes before the poison below: once its dead letters are in, the replay was handled.
            send(kafka, Topics.CHECKPOINTS, new String(checkpoint, StandardCharsets.UTF_8)
                    .replace(TrainedCheckpointResource.KEY, "../" + TrainedCheckpointResource.KEY)
                    .getBytes(StandardCharsets.UTF_8));
            // Under another checkpointId: the replay guard would otherwise skip it before its checksum is checked.
            send(kafka, Topics.CHECKPOINTS, Messages.toJson(checkpoint(RUN + "-corrupt", "0".repeat(64))));
            List<String> reasons = deadLetters(kafka, Topics.CHECKPOINTS, 3);
            assertTrue(reasons.get(0).contains("malformed JSON"), reasons.get(0));
            assertTrue(reasons.get(1).contains(".."), reasons.get(1));
            assertTrue(reasons.get(2).contains("sha256"), reasons.get(2));

            // A shard past the end of the 100-image test set, and a record that is not a shard at all.
            send(kafka, Topics.ATTACK_SHARDS, new String(Messages.toJson(first), StandardCharsets.UTF_8)
                    .replace("\"to\":50", "\"to\":150").getBytes(StandardCharsets.UTF_8));
            send(kafka, Topics.ATTACK_SHARDS, "[]".getBytes(StandardCharsets.UTF_8));
            // Valid by the contract, but asking for more work than this replica allows: refused with the numbers.
            send(kafka, Topics.ATTACK_SHARDS, new String(Messages.toJson(first), StandardCharsets.UTF_8)
                    .replace("\"squareQueries\":50", "\"squareQueries\":100000").getBytes(StandardCharsets.UTF_8));
            assertEquals(Set.of("to must be at most testSubset 100, got 150",
                    "expected a JSON object (a AttackShard), got an array",
                    "options.squareQueries 100000 is over this replica's limit 50"),
                    Set.copyOf(deadLetters(kafka, Topics.ATTACK_SHARDS, 3)));

            List<ConsumerRecord<String, byte[]>> all = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.ATTACK_SHARDS, Duration.ofSeconds(3)).awaitCompletion().getRecords();
            assertEquals(SHARDS + 3, all.size(), "the replayed checkpoint was split again");
        }

        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_attack_duration_seconds_count{attack=\"deepfool/l2\""))
                .body(containsString("deepdefense_attack_images_per_second{attack=\"apgd-ce/linf\""))
                .body(containsString("deepdefense_dead_letters_total{topic=\"deepdefense.checkpoints\"} 3.0"))
                .body(containsString("deepdefense_dead_letters_total{topic=\"deepdefense.attack.shards\"} 3.0"));
    }

    @Test
    @Order(2)
    void attacksACheckpointTrainedOnAnImageFolderOfItsDataDirectory() throws IOException {
        String checkpointId = TrainedCheckpointResource.FOLDER_RUN + "-final";
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            String sha256 = new CheckpointStore(storeRoot).readMetadata(TrainedCheckpointResource.FOLDER_KEY).sha256();
            send(kafka, Topics.CHECKPOINTS, Messages.toJson(folderCheckpoint(checkpointId,
                    TrainedCheckpointResource.FOLDER_ROOT, sha256)));

            AttackShard shard = Messages.parseAttackShard(
                    awaitKeyed(kafka, Topics.ATTACK_SHARDS, checkpointId + "/0", 1).get(0).value());
            assertEquals(List.of(TrainedCheckpointResource.FOLDER_ROOT, 0,
                    TrainedCheckpointResource.FOLDER_TEST_IMAGES), List.of(shard.datasetRoot(), shard.from(),
                    shard.to()), "the val split of the folder, one shard");
            List<ConsumerRecord<String, byte[]>> outputs = awaitKeyed(kafka, Topics.SHARD_RESULTS, checkpointId, 2);
            ShardResult result = Messages.parseShardResult(outputs.get(1).value());
            RobustnessReport report = RobustnessReport.of(
                    result.outcomes().unpack(TrainedCheckpointResource.FOLDER_TEST_IMAGES),
                    shard.options().evaluatorOptions(shard.attacks()), "mlp", "imagefolder", "vanilla", "val", 0);
            assertTrue(report.cleanAccuracy() > 0.6, "the folder's 4 classes are learnt: " + report.cleanAccuracy());
            assertTrue(report.rho2() > 0 && Double.isFinite(report.rho2()), "rho2 " + report.rho2());

            // A root that is not in the data directory is a definite failure: dead-lettered at once, by name.
            send(kafka, Topics.CHECKPOINTS, Messages.toJson(folderCheckpoint(TrainedCheckpointResource.FOLDER_RUN
                    + "-elsewhere", "folders/missing", sha256)));
            List<String> reasons = awaitKeyed(kafka, Topics.deadLetter(Topics.CHECKPOINTS), RUN, 4).stream()
                    .map(r -> Messages.parseDeadLetter(r.value()).reason()).toList();
            assertTrue(reasons.get(3).contains("folders/missing"), reasons.get(3));

            // Three classes are too few for the standard suite's targeted DLR: the checkpoint is refused whole.
            String three = new CheckpointStore(storeRoot).readMetadata(TrainedCheckpointResource.THREE_CLASS_KEY)
                    .sha256();
            send(kafka, Topics.CHECKPOINTS, Messages.toJson(new CheckpointPublished(1,
                    TrainedCheckpointResource.THREE_CLASS_RUN, TrainedCheckpointResource.THREE_CLASS_RUN + "-final",
                    TrainedCheckpointResource.THREE_CLASS_KEY, three, true, 1, "mlp", "imagefolder",
                    TrainedCheckpointResource.THREE_CLASS_ROOT, "vanilla", List.of("standard"), Map.of())));
            String tooFew = Messages.parseDeadLetter(awaitKeyed(kafka, Topics.deadLetter(Topics.CHECKPOINTS), RUN, 5)
                    .get(4).value()).reason();
            assertEquals("this model has 3 classes, too few for [apgd-t (at least 4)]; ask for attacks without them",
                    tooFew);
        }
    }

    /** The first {@code count} records of {@code topic} under {@code key}, from the topic's start. */
    private static List<ConsumerRecord<String, byte[]>> awaitKeyed(KafkaCompanion kafka, String topic, String key,
            int count) {
        ConsumerTask<String, byte[]> task = kafka.consume(String.class, byte[].class).fromTopics(topic);
        try {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (true) {
                List<ConsumerRecord<String, byte[]>> keyed = task.getRecords().stream()
                        .filter(r -> key.equals(r.key())).toList();
                if (keyed.size() >= count) {
                    return keyed.subList(0, count);
                }
                assertTrue(System.nanoTime() < deadline, () -> "only " + keyed.size() + " of " + count + " records"
                        + " keyed " + key + " on " + topic + " within " + TIMEOUT);
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } finally {
            task.stop();
        }
    }

    private static List<String> deadLetters(KafkaCompanion kafka, String topic, int count) {
        return kafka.consume(String.class, byte[].class).fromTopics(Topics.deadLetter(topic), count)
                .awaitCompletion(TIMEOUT).getRecords().stream()
                .map(r -> Messages.parseDeadLetter(r.value()).reason()).toList();
    }

    private static void send(KafkaCompanion kafka, String topic, byte[] value) {
        kafka.produce(String.class, byte[].class).fromRecords(KafkaCompanion.record(topic, RUN, value))
                .awaitCompletion();
    }

    private static CheckpointPublished folderCheckpoint(String checkpointId, String datasetRoot, String sha256) {
        return new CheckpointPublished(1, TrainedCheckpointResource.FOLDER_RUN, checkpointId,
                TrainedCheckpointResource.FOLDER_KEY, sha256, true, 3, "mlp", "imagefolder", datasetRoot, "vanilla",
                List.of("standard"), Map.of());
    }

    private static CheckpointPublished checkpoint(String checkpointId, String sha256) {
        return new CheckpointPublished(1, RUN, checkpointId, TrainedCheckpointResource.KEY, sha256, true, 1, "mlp",
                "generated", null, "vanilla", List.of("standard"), Map.of("testSubset", 100));
    }
}
