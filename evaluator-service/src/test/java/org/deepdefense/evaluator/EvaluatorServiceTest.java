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
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
class EvaluatorServiceTest {
    private static final String RUN = "lenet-dd-1";
    private static final String CHECKPOINT = "lenet-dd-1-final";
    private static final String STUCK = "lenet-dd-1-stuck";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @Test
    void mergesACheckpointsShardsIntoOneReportOnceAndSetsPoisonAside() {
        // The plan, then results before their checkpoint: the join must not depend on the order of the topics.
        List<Message> records = List.of(Shards.plan(RUN, CHECKPOINT), Shards.result(RUN, CHECKPOINT, 1),
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
            // Valid by the contract, but not of the plan, and a shard that contradicts the one the report used.
            send(kafka, Shards.result(RUN, CHECKPOINT, 1, 3, Shards.OPTIONS));
            ShardResult real = Shards.result(RUN, CHECKPOINT, 0);
            send(kafka, new ShardResult(1, RUN, CHECKPOINT, real.attacks(), 0, 2, 0, 50,
                    Shards.result(RUN, CHECKPOINT, 1).outcomes(), real.options(), 1, Shards.NOW));
            kafka.produce(String.class, byte[].class).fromRecords(
                    KafkaCompanion.record(Topics.SHARD_RESULTS, CHECKPOINT, "[1, 2]".getBytes(StandardCharsets.UTF_8)),
                    KafkaCompanion.record(Topics.CHECKPOINTS, RUN,
                            "{\"schemaVersion\": 2}".getBytes(StandardCharsets.UTF_8)))
                    .awaitCompletion();
            List<String> refused = reasons(kafka, Topics.SHARD_RESULTS, 3);
            assertTrue(refused.get(0).contains("says 3 shards, the plan 2"), refused.get(0));
            assertTrue(refused.get(1).contains("differs from the result recorded"), refused.get(1));
            assertTrue(refused.get(2).contains("expected a JSON object"), refused.get(2));
            assertTrue(reasons(kafka, Topics.CHECKPOINTS, 1).get(0).contains("unsupported schemaVersion 2"));
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
                // Counted above by reason; the other test's failure may be among them here.
                .body(containsString("deepdefense_dead_letters_total{topic=\"" + Topics.SHARD_RESULTS + "\"}"));
        given().get("/checkpoints/" + CHECKPOINT).then().statusCode(200).body("status", equalTo("reported"));
        given().get("/checkpoints/unknown-checkpoint").then().statusCode(404);
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

    @Test
    void aCheckpointWhoseShardsDoNotAllArriveGetsAFailureWithinItsDeadline() throws InterruptedException {
        String stuck = STUCK;
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            send(kafka, Shards.plan(RUN, stuck));
            send(kafka, Shards.result(RUN, stuck, 0));
            given().get("/checkpoints/" + stuck).then().statusCode(200).body("status", equalTo("open"))
                    .body("arrived", equalTo(1)).body("shards", equalTo(2));
            // The deadline is 5 s in the test profile, checked every second.
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (!given().get("/checkpoints/" + stuck).body().path("status").equals("failed")
                    && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            DeadLetter letter = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.deadLetter(Topics.SHARD_RESULTS), Duration.ofSeconds(3)).awaitCompletion()
                    .getRecords().stream().map(r -> Messages.parseDeadLetter(r.value()))
                    .filter(l -> l.reason().startsWith("checkpoint " + stuck)).findFirst().orElseThrow();
            assertTrue(letter.reason().contains("not reported within PT5S: the final checkpoint record never arrived;"
                    + " 1 of 2 shards missing [1]"), letter.reason());
        }
        given().get("/checkpoints/" + stuck).then().statusCode(200).body("status", equalTo("failed"))
                .body("reason", containsString("1 of 2 shards missing"));
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_evaluation_failures_total "));
    }

    private static void send(KafkaCompanion kafka, Message record) {
        String topic = record instanceof CheckpointPublished ? Topics.CHECKPOINTS : Topics.SHARD_RESULTS;
        kafka.produce(String.class, byte[].class)
                .fromRecords(KafkaCompanion.record(topic, RUN, Messages.toJson(record))).awaitCompletion();
    }

    /** The reasons of the first {@code count} dead letters of {@code topic}, but the other test's failure. */
    private static List<String> reasons(KafkaCompanion kafka, String topic, int count) {
        List<String> reasons = kafka.consume(String.class, byte[].class)
                .fromTopics(Topics.deadLetter(topic), Duration.ofSeconds(5)).awaitCompletion().getRecords().stream()
                .map(r -> Messages.parseDeadLetter(r.value()).reason())
                .filter(reason -> !reason.startsWith("checkpoint " + STUCK)).toList();
        assertEquals(count, reasons.size(), () -> "dead letters of " + topic + ": " + reasons);
        return reasons;
    }
}
