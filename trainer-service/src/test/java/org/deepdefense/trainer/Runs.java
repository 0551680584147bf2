package org.deepdefense.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingProgress;

/** Requests for tiny runs and the records the service answers them with. */
final class Runs {
    private Runs() {}

    static final Duration TIMEOUT = Duration.ofSeconds(60);

    /** Vanilla MLP training on 200 generated images, one epoch of four steps; {@code extra} adds fields. */
    static String request(String runId, String extra) {
        return """
                {"schemaVersion": 1, "runId": "%s", "dataset": "generated", "architecture": "mlp",
                 "method": "vanilla", "seed": 7, "trainSubset": 200,
                 "hyperparameters": {"epochs": 1, "batchSize": 50, "learningRate": 0.01}%s}
                """.formatted(runId, extra.isEmpty() ? "" : ", " + extra);
    }

    static void submit(String runId, String json) throws Exception {
        TestKafka.send(Topics.TRAINING_REQUESTS, runId, json);
    }

    /** The run's progress records up to and including the one that ends it. */
    static List<TrainingProgress> awaitEnd(String runId) {
        return progress(TestKafka.await(Topics.TRAINING_PROGRESS, runId,
                records -> progress(records).stream().anyMatch(p -> !p.status().equals(TrainingProgress.RUNNING)),
                TIMEOUT));
    }

    static List<TrainingProgress> progress(String runId) {
        return progress(TestKafka.current(Topics.TRAINING_PROGRESS, runId));
    }

    static List<CheckpointPublished> checkpoints(String runId) {
        return TestKafka.current(Topics.CHECKPOINTS, runId).stream()
                .map(r -> Messages.parseCheckpointPublished(r.value())).toList();
    }

    /** The value of a series on /q/metrics ({@code name{labels}}), 0 while it does not exist. */
    static double counter(String series) {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }

    /** Waits until the series reaches {@code value}, then checks that it is exactly that. */
    static void awaitCounter(String series, double value) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (counter(series) < value && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertEquals(value, counter(series), series);
    }

    private static List<TrainingProgress> progress(
            List<org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>> records) {
        return records.stream().map(r -> Messages.parseTrainingProgress(r.value())).toList();
    }
}
