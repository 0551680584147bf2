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

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void mergesACheckpointsShardsIntoOneReportOnceAndSetsPoisonAside() {
        // Results before their checkpoint: the join must not depend on arrival order.
        List<Message> records = List.of(Shards.result(RUN, CHECKPOINT, 1),
                Shards.checkpoint(RUN, CHECKPOINT, List.of("paper", "apgd-ce")), Shards.result(RUN, CHECKPOINT, 0));
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            records.forEach(record -> send(kafka, record));
            RobustnessReportMessage report = Messages.parseRobustnessReport(kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.REPORTS, 1).awaitCompletion(TIMEOUT).getRecords().get(0).value());
            assertEquals(0.02, report.rho2(), 1e-15);
            assertEquals(0.9, report.cleanAccuracy());
            assertEquals(40.0, report.epsRef());
            assertEquals(Map.of("0.2", 0.82, "0.5", 0.7, "1.0", 0.5), report.fgsAccuracy());
            assertEquals(Map.of("linf", Map.of("10", 0.4)), report.robustAccuracy());
            assertEquals("per-pixel mean subtracted", report.space());
            List<AttackResult> merged = kafka.consume(String.class, byte[].class).fromTopics(Topics.ATTACK_RESULTS, 3)
                    .awaitCompletion(TIMEOUT).getRecords().stream().map(r -> Messages.parseAttackResult(r.value()))
                    .toList();
            assertEquals(java.util.Set.of("deepfool", "paper-fgs", "apgd-ce"),
                    java.util.Set.copyOf(merged.stream().map(AttackResult::attack).toList()));
            assertEquals(0.4, merged.stream().filter(r -> r.attack().equals("apgd-ce")).findFirst().orElseThrow()
                    .values().get("linf_robust_after_10"));

            records.forEach(record -> send(kafka, record));
            kafka.produce(String.class, byte[].class).fromRecords(
                    KafkaCompanion.record(Topics.SHARD_RESULTS, CHECKPOINT, "[1, 2]".getBytes(StandardCharsets.UTF_8)),
                    KafkaCompanion.record(Topics.CHECKPOINTS, RUN,
                            "{\"schemaVersion\": 2}".getBytes(StandardCharsets.UTF_8)))
                    .awaitCompletion();
            assertTrue(reason(kafka, Topics.SHARD_RESULTS).contains("expected a JSON object"));
            assertTrue(reason(kafka, Topics.CHECKPOINTS).contains("unsupported schemaVersion 2"));
            assertEquals(1, kafka.consume(String.class, byte[].class).fromTopics(Topics.REPORTS, Duration.ofSeconds(3))
                    .awaitCompletion().count(), "a replay published a second report");
        }

        String labels = "architecture=\"lenet\",checkpoint=\"" + CHECKPOINT + "\",dataset=\"mnist\"";
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_rho2{" + labels + ",method=\"deepdefense\",run=\"" + RUN
                        + "\"} 0.02"))
                .body(containsString("deepdefense_fgs_accuracy{" + labels + ",eps_ratio=\"0.5\""))
                .body(containsString("deepdefense_robust_accuracy{" + labels + ",eps=\"10\",method=\"deepdefense\","
                        + "norm=\"linf\",run=\"" + RUN + "\"} 0.4"))
                .body(containsString("deepdefense_evaluation_warnings{" + labels + ",kind=\"no-effect\","
                        + "method=\"deepdefense\",run=\"" + RUN + "\"} 0.0"))
                .body(containsString("deepdefense_dead_letters_total{topic=\"" + Topics.SHARD_RESULTS + "\"} 1.0"));
        given().get("/runs/" + RUN).then().statusCode(200).body("", hasSize(1))
                .body("[0].rho2", equalTo(0.02f)).body("[0].checkpointId", equalTo(CHECKPOINT));
        given().get("/runs").then().statusCode(200).body("[0].runId", equalTo(RUN));
        given().get("/runs/unknown-run").then().statusCode(404);
        given().get("/runs/" + RUN + "?epsRefFrom=" + RUN).then().statusCode(200)
                .body("[0].report.epsRefSource", equalTo("run " + RUN + " (checkpoint " + CHECKPOINT + ")"))
                .body("[0].fgsAccuracy.'0.5'", equalTo(0.7f));
        given().get("/runs/" + RUN + "?epsRefFrom=unknown-run").then().statusCode(404);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static void send(KafkaCompanion kafka, Message record) {
        String topic = record instanceof CheckpointPublished ? Topics.CHECKPOINTS : Topics.SHARD_RESULTS;
        kafka.produce(String.class, byte[].class)
                .fromRecords(KafkaCompanion.record(topic, RUN, Messages.toJson(record))).awaitCompletion();
    }

    private static String reason(KafkaCompanion kafka, String topic) {
        return Messages.parseDeadLetter(kafka.consume(String.class, byte[].class)
                .fromTopics(Topics.deadLetter(topic), 1).awaitCompletion(TIMEOUT).getRecords().get(0).value()).reason();
    }
}
