package org.deepdefense.attack.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
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
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TrainedCheckpointResource.class)
class AttackServiceTest {
    private static final String RUN = TrainedCheckpointResource.RUN;
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    @ConfigProperty(name = "deepdefense.store.root")
    Path storeRoot;
    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void attacksAFinalCheckpointSetsPoisonAsideAndDoesNotRepeatItself() throws IOException {
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            String sha256 = new CheckpointStore(storeRoot).readMetadata(TrainedCheckpointResource.KEY).sha256();
            byte[] checkpoint = Messages.toJson(checkpoint(RUN + "-final", sha256));
            send(kafka, checkpoint);

            Map<String, AttackResult> results = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.ATTACK_RESULTS, 3).awaitCompletion(TIMEOUT).getRecords().stream()
                    .peek(r -> assertEquals(RUN, r.key()))
                    .map(r -> Messages.parseAttackResult(r.value()))
                    .collect(Collectors.toMap(AttackResult::attack, r -> r));
            assertEquals(Set.of("deepfool", "fgs", "pgd-linf"), results.keySet());
            double rho2 = results.get("deepfool").values().get("rho2");
            assertTrue(rho2 > 0 && Double.isFinite(rho2), "rho2 " + rho2);
            Double epsRef = results.get("fgs").values().get("epsRef");
            assertTrue(epsRef != null && epsRef > 0 && Double.isFinite(epsRef), "epsRef " + epsRef);
            assertEquals(100, results.get("fgs").samples());
            double pgd = results.get("pgd-linf").values().get("acc_0.5");
            assertTrue(pgd >= 0 && pgd <= 1, "PGD accuracy " + pgd);

            send(kafka, "{not json".getBytes(StandardCharsets.UTF_8));
            send(kafka, checkpoint);
            // The replay above comes before the poison below: once its dead letters are in, the replay was handled.
            send(kafka, new String(checkpoint, StandardCharsets.UTF_8)
                    .replace(TrainedCheckpointResource.KEY, "../" + TrainedCheckpointResource.KEY)
                    .getBytes(StandardCharsets.UTF_8));
            // Under another checkpointId: the replay guard would otherwise skip it before its checksum is checked.
            send(kafka, Messages.toJson(checkpoint(RUN + "-corrupt", "0".repeat(64))));

            List<String> reasons = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.deadLetter(Topics.CHECKPOINTS), 3).awaitCompletion(TIMEOUT).getRecords().stream()
                    .map(r -> Messages.parseDeadLetter(r.value()).reason()).toList();
            assertTrue(reasons.get(0).contains("malformed JSON"), reasons.get(0));
            assertTrue(reasons.get(1).contains(".."), reasons.get(1));
            assertTrue(reasons.get(2).contains("sha256"), reasons.get(2));
            List<ConsumerRecord<String, byte[]>> all = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.ATTACK_RESULTS, Duration.ofSeconds(3)).awaitCompletion().getRecords();
            assertEquals(3, all.size(), "the replayed checkpoint was attacked again");
        }

        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_attack_duration_seconds_count{attack=\"deepfool\""))
                .body(containsString("deepdefense_attack_images_per_second{attack=\"fgs\""))
                .body(containsString("deepdefense_dead_letters_total{topic=\"deepdefense.checkpoints\"} 3.0"));
    }

    private static void send(KafkaCompanion kafka, byte[] value) {
        kafka.produce(String.class, byte[].class)
                .fromRecords(KafkaCompanion.record(Topics.CHECKPOINTS, RUN, value)).awaitCompletion();
    }

    private static CheckpointPublished checkpoint(String checkpointId, String sha256) {
        return new CheckpointPublished(1, RUN, checkpointId, TrainedCheckpointResource.KEY, sha256, true, 1, "mlp",
                "generated", "vanilla", List.of("deepfool", "fgs", "pgd-linf"), Map.of("testSubset", 100));
    }
}
