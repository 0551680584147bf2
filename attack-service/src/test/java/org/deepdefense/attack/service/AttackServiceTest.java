package org.deepdefense.attack.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
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

    @Test
    void attacksAFinalCheckpointSetsPoisonAsideAndDoesNotRepeatItself() throws Exception {
        String sha256 = new CheckpointStore(storeRoot).readMetadata(TrainedCheckpointResource.KEY).sha256();
        byte[] checkpoint = Messages.toJson(checkpoint(RUN + "-final", sha256));
        KafkaTestClient.send(Topics.CHECKPOINTS, RUN, checkpoint);

        Map<String, AttackResult> results = results(2, TIMEOUT).stream()
                .collect(Collectors.toMap(AttackResult::attack, r -> r));
        assertEquals(Set.of("deepfool", "fgs"), results.keySet());
        double rho2 = results.get("deepfool").values().get("rho2");
        assertTrue(rho2 > 0 && Double.isFinite(rho2), "rho2 " + rho2);
        Double epsRef = results.get("fgs").values().get("epsRef");
        assertTrue(epsRef != null && epsRef > 0 && Double.isFinite(epsRef), "epsRef " + epsRef);
        assertEquals(100, results.get("fgs").samples());

        KafkaTestClient.send(Topics.CHECKPOINTS, RUN, "{not json".getBytes(StandardCharsets.UTF_8));
        KafkaTestClient.send(Topics.CHECKPOINTS, RUN, checkpoint);
        // The replay above comes before the poison below: once its dead letters are in, the replay was handled.
        KafkaTestClient.send(Topics.CHECKPOINTS, RUN, escapingKey(checkpoint));
        // Under another checkpointId: the replay guard would otherwise skip it before its checksum is checked.
        KafkaTestClient.send(Topics.CHECKPOINTS, RUN, Messages.toJson(checkpoint(RUN + "-corrupt", "0".repeat(64))));

        List<String> reasons = KafkaTestClient.await(Topics.deadLetter(Topics.CHECKPOINTS), 3, r -> true, TIMEOUT)
                .stream().map(r -> Messages.parseDeadLetter(r.value()).reason()).toList();
        assertEquals(3, reasons.size(), reasons.toString());
        assertTrue(reasons.get(1).contains(".."), reasons.get(1));
        assertTrue(reasons.get(2).contains("sha256") || reasons.get(2).contains("checksum"), reasons.get(2));
        assertEquals(2, results(3, Duration.ofSeconds(3)).size(), "the replayed checkpoint was attacked again");

        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_attack_duration_seconds_count{attack=\"deepfool\""))
                .body(containsString("deepdefense_attack_images_per_second{attack=\"fgs\""))
                .body(containsString("deepdefense_dead_letters_total{topic=\"deepdefense.checkpoints\"} 3.0"));
    }

    private static CheckpointPublished checkpoint(String checkpointId, String sha256) {
        return new CheckpointPublished(1, RUN, checkpointId, TrainedCheckpointResource.KEY, sha256, true, 1, "mlp", "generated", "vanilla",
                List.of("deepfool", "fgs"), Map.of("testSubset", 100));
    }

    /** A valid record but for its store key, which would leave the store. */
    private static byte[] escapingKey(byte[] checkpoint) {
        return new String(checkpoint, StandardCharsets.UTF_8)
                .replace(TrainedCheckpointResource.KEY, "../" + TrainedCheckpointResource.KEY)
                .getBytes(StandardCharsets.UTF_8);
    }

    /** The results on the results topic once there are {@code count} of them or {@code timeout} has passed. */
    private static List<AttackResult> results(int count, Duration timeout) {
        List<ConsumerRecord<String, byte[]>> records = KafkaTestClient.await(Topics.ATTACK_RESULTS, count, r -> true,
                timeout);
        records.forEach(r -> assertEquals(RUN, r.key()));
        return records.stream().map(r -> Messages.parseAttackResult(r.value())).toList();
    }
}
