package org.deepdefense.evaluator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.Topics;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
class EvaluatorServiceTest {
    private static final String RUN = "lenet-dd-1";
    private static final String CHECKPOINT = "lenet-dd-1-final";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final String NOW = "2025-01-31T12:00:00Z";

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void joinsACheckpointWithItsResultsOnceAndSetsPoisonAside() {
        // Results before their checkpoint: the join must not depend on arrival order.
        List<Message> records = List.of(
                result("deepfool", Map.of("rho2", 0.0213, "unconverged", 0.0, "meanIterations", 2.5,
                        "cleanAccuracy", 0.99)),
                result("fgs", Map.of("epsRef", 0.21, "acc_0.2", 0.95, "acc_0.5", 0.71, "acc_1.0", 0.5,
                        "cleanAccuracy", 0.99)),
                new CheckpointPublished(1, RUN, CHECKPOINT, RUN + "/final", "a".repeat(64), true, 5, "lenet",
                        "mnist", "deepdefense", List.of("deepfool", "fgs"),
                        Map.of("preprocessing", "per-pixel mean subtracted")));
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            records.forEach(record -> send(kafka, record));
            RobustnessReportMessage report = Messages.parseRobustnessReport(kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.REPORTS, 1).awaitCompletion(TIMEOUT).getRecords().get(0).value());
            assertEquals(0.0213, report.rho2());
            assertEquals(0.99, report.cleanAccuracy());
            assertEquals(0.21, report.epsRef());
            assertEquals(Map.of("0.2", 0.95, "0.5", 0.71, "1.0", 0.5), report.fgsAccuracy());
            assertEquals("per-pixel mean subtracted", report.space());

            records.forEach(record -> send(kafka, record));
            kafka.produce(String.class, byte[].class).fromRecords(
                    KafkaCompanion.record(Topics.ATTACK_RESULTS, RUN, "[1, 2]".getBytes(StandardCharsets.UTF_8)),
                    KafkaCompanion.record(Topics.CHECKPOINTS, RUN,
                            "{\"schemaVersion\": 2}".getBytes(StandardCharsets.UTF_8)))
                    .awaitCompletion();
            assertTrue(reason(kafka, Topics.ATTACK_RESULTS).contains("expected a JSON object"));
            assertTrue(reason(kafka, Topics.CHECKPOINTS).contains("unsupported schemaVersion 2"));
            assertEquals(1, kafka.consume(String.class, byte[].class).fromTopics(Topics.REPORTS, Duration.ofSeconds(3))
                    .awaitCompletion().count(), "a replay published a second report");
        }

        String labels = "architecture=\"lenet\",checkpoint=\"" + CHECKPOINT + "\",dataset=\"mnist\"";
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_rho2{" + labels + ",method=\"deepdefense\",run=\"" + RUN
                        + "\"} 0.0213"))
                .body(containsString("deepdefense_fgs_accuracy{" + labels + ",eps_ratio=\"0.5\""))
                .body(containsString("deepdefense_dead_letters_total{topic=\"" + Topics.ATTACK_RESULTS + "\"} 1.0"));
        given().get("/runs/" + RUN).then().statusCode(200).body("", hasSize(1))
                .body("[0].rho2", equalTo(0.0213f)).body("[0].checkpointId", equalTo(CHECKPOINT));
        given().get("/runs").then().statusCode(200).body("[0].runId", equalTo(RUN));
        given().get("/runs/unknown-run").then().statusCode(404);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static AttackResult result(String attack, Map<String, Double> values) {
        return new AttackResult(1, RUN, CHECKPOINT, attack, values, 100, 1.5, NOW);
    }

    private static void send(KafkaCompanion kafka, Message record) {
        String topic = record instanceof CheckpointPublished ? Topics.CHECKPOINTS : Topics.ATTACK_RESULTS;
        kafka.produce(String.class, byte[].class)
                .fromRecords(KafkaCompanion.record(topic, RUN, Messages.toJson(record))).awaitCompletion();
    }

    private static String reason(KafkaCompanion kafka, String topic) {
        return Messages.parseDeadLetter(kafka.consume(String.class, byte[].class)
                .fromTopics(Topics.deadLetter(topic), 1).awaitCompletion(TIMEOUT).getRecords().get(0).value()).reason();
    }
}
