package org.deepdefense.evaluator;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.reactive.messaging.kafka.companion.KafkaCompanion;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingRequest;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** Reports grouped by sweep through a real broker; its own application (gauges of one sweep only) and broker. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@TestProfile(SweepsResourceTest.OneGaugedSweep.class)
class SweepsResourceTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    public static class OneGaugedSweep implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("deepdefense.evaluator.sweep-gauges", "1");
        }
    }

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    private static String sweep(String sweepId, String methods) {
        return """
                {"schemaVersion": 1, "sweepId": "%s", "dataset": "mnist", "architecture": "lenet",
                 "methods": %s, "seeds": [1]}
                """.formatted(sweepId, methods);
    }

    @Test
    void groupsTheReportsOfASweepsPointsOnceHoweverOftenTheSweepComes() throws InterruptedException {
        String grid = sweep("grid-1", "[{\"method\": \"deepdefense\", \"parameters\": {\"lambda\": [5, 15]}}]");
        List<TrainingRequest> points = Messages.parseSweepRequest(grid.getBytes(StandardCharsets.UTF_8)).expand();
        String run = points.get(0).runId();
        String checkpoint = run + "-final";
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            send(kafka, Topics.SWEEP_REQUESTS, "grid-1", grid.getBytes(StandardCharsets.UTF_8));
            // The splitter's plan precedes its results; the evaluator takes results of known plans only.
            send(kafka, Topics.SHARD_RESULTS, checkpoint, Messages.toJson(Shards.plan(run, checkpoint)));
            send(kafka, Topics.SHARD_RESULTS, checkpoint, Messages.toJson(Shards.result(run, checkpoint, 0)));
            send(kafka, Topics.SHARD_RESULTS, checkpoint, Messages.toJson(Shards.result(run, checkpoint, 1)));
            send(kafka, Topics.CHECKPOINTS, run, Messages.toJson(Shards.checkpoint(run, checkpoint,
                    List.of("paper", "apgd-ce"))));
            kafka.consume(String.class, byte[].class).fromTopics(Topics.REPORTS, 1).awaitCompletion(TIMEOUT);
            // Redelivered: nothing changes. Another sweep under the same id, or one over the limit: refused.
            send(kafka, Topics.SWEEP_REQUESTS, "grid-1", grid.getBytes(StandardCharsets.UTF_8));
            send(kafka, Topics.SWEEP_REQUESTS, "grid-1", sweep("grid-1", "[{\"method\": \"vanilla\"}]")
                    .getBytes(StandardCharsets.UTF_8));
            String lambdas = java.util.stream.IntStream.rangeClosed(1, 16).boxed().toList().toString();
            send(kafka, Topics.SWEEP_REQUESTS, "grid-big", sweep("grid-big", "[{\"method\": \"deepdefense\","
                    + " \"parameters\": {\"lambda\": " + lambdas + ", \"c\": [1, 2, 3, 4, 5, 6, 7]}}]")
                    .getBytes(StandardCharsets.UTF_8));
            List<String> reasons = kafka.consume(String.class, byte[].class)
                    .fromTopics(Topics.deadLetter(Topics.SWEEP_REQUESTS), 2).awaitCompletion(TIMEOUT).getRecords()
                    .stream().map(r -> Messages.parseDeadLetter(r.value()).reason()).toList();
            assertEquals(List.of("sweep grid-1 is already known with another content; use a new sweepId",
                    "sweep grid-big has (112) combinations × 1 epoch counts × 1 seeds = 112 points, more than this"
                            + " evaluator's limit of 100 (deepdefense.sweep.max-points)"), reasons);
        }

        given().get("/sweeps").then().statusCode(200).body("", equalTo(List.of("grid-1")));
        given().get("/sweeps/grid-1").then().statusCode(200)
                .body("architecture", equalTo("lenet"))
                .body("reported", equalTo(1))
                .body("points", hasSize(2))
                .body("points[0].runId", equalTo("grid-1-deepdefense-l5-c25-d5-e5-s1"))
                .body("points[0].method", equalTo("deepdefense"))
                .body("points[0].parameters.lambda", equalTo(5.0f))
                .body("points[0].parameters.c", equalTo(25.0f))
                .body("points[0].seed", equalTo(1))
                .body("points[0].report.checkpointId", equalTo(checkpoint))
                .body("points[0].report.cleanAccuracy", equalTo(0.9f))
                .body("points[0].report.rho2", equalTo(0.02f))
                .body("points[0].report.robustAccuracy.linf.'10'", equalTo(0.4f))
                .body("points[1].runId", equalTo("grid-1-deepdefense-l15-c25-d5-e5-s1"))
                .body("points[1].report", nullValue());
        given().get("/sweeps/unknown").then().statusCode(404);
        String labels = "method=\"deepdefense\",run=\"" + run + "\",sweep=\"grid-1\"";
        given().get("/q/metrics").then().statusCode(200)
                .body(containsString("deepdefense_sweep_rho2{" + labels + "} 0.02"))
                .body(containsString("deepdefense_sweep_clean_accuracy{" + labels + "} 0.9"))
                .body(containsString("deepdefense_sweep_robust_accuracy{eps=\"10\"," + labels.replace(",run",
                        ",norm=\"linf\",run") + "} 0.4"));

        // Gauges for one sweep only (this profile): the next sweep's replace them; the grouping stays.
        try (KafkaCompanion kafka = new KafkaCompanion(bootstrapServers)) {
            send(kafka, Topics.SWEEP_REQUESTS, "grid-2", sweep("grid-2", "[{\"method\": \"vanilla\"}]")
                    .getBytes(StandardCharsets.UTF_8));
        }
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!given().get("/sweeps").then().extract().body().asString().contains("grid-2")
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        given().get("/q/metrics").then().statusCode(200).body(not(containsString("sweep=\"grid-1\"")));
        given().get("/sweeps/grid-1").then().statusCode(200).body("reported", equalTo(1));
        assertTrue(given().get("/sweeps/grid-2").then().statusCode(200).extract().path("points[0].report") == null);
    }

    private static void send(KafkaCompanion kafka, String topic, String key, byte[] value) {
        kafka.produce(String.class, byte[].class).fromRecords(KafkaCompanion.record(topic, key, value))
                .awaitCompletion();
    }
}
