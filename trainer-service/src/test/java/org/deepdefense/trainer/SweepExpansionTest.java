package org.deepdefense.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingProgress;
import org.deepdefense.messages.TrainingRequest;
import org.junit.jupiter.api.Test;

/** Sweeps through a real broker: expanded into training requests once, however often the sweep is delivered. */
@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TempStoreResource.class)
class SweepExpansionTest {

    /** Vanilla MLP on 200 generated images, one epoch, seeds {@code seeds}: one tiny run per seed. */
    private static String sweep(String sweepId, String seeds) {
        return """
                {"schemaVersion": 1, "sweepId": "%s", "dataset": "generated", "architecture": "mlp",
                 "hyperparameters": {"epochs": 1, "batchSize": 50, "learningRate": 0.01},
                 "methods": [{"method": "vanilla"}], "seeds": %s, "trainSubset": 200}
                """.formatted(sweepId, seeds);
    }

    @Test
    void aRedeliveredSweepStartsNothingTwice() throws Exception {
        String json = sweep("sw-a", "[1, 2]");
        List<TrainingRequest> points = Messages.parseSweepRequest(json.getBytes()).expand();
        String first = points.get(0).runId();
        String second = points.get(1).runId();
        assertEquals(List.of("sw-a-vanilla-e1-s1", "sw-a-vanilla-e1-s2"), List.of(first, second));
        // An earlier expansion that published its first request and died before recording the sweep.
        Runs.submit(first, new String(Messages.toJson(points.get(0))));
        assertEquals(TrainingProgress.SUCCEEDED, last(Runs.awaitEnd(first)).status());
        double duplicateRequests = Runs.counter("deepdefense_training_requests_total{outcome=\"duplicate\"}");

        TestKafka.send(Topics.SWEEP_REQUESTS, "sw-a", json);
        assertEquals(TrainingProgress.SUCCEEDED, last(Runs.awaitEnd(second)).status());
        Runs.awaitCounter("deepdefense_training_requests_total{outcome=\"duplicate\"}", duplicateRequests + 1);
        TestKafka.send(Topics.SWEEP_REQUESTS, "sw-a", json);
        Runs.awaitCounter("deepdefense_training_sweeps_total{outcome=\"duplicate\"}", 1);

        assertEquals(2, TestKafka.current(Topics.TRAINING_REQUESTS, first).size(), "by hand, then by the sweep");
        assertEquals(1, TestKafka.current(Topics.TRAINING_REQUESTS, second).size(), "the redelivery published none");
        TrainingRequest published = Messages.parseTrainingRequest(
                TestKafka.current(Topics.TRAINING_REQUESTS, second).get(0).value());
        assertEquals(points.get(1), published);
        assertEquals("sw-a", published.sweepId());
        for (String run : List.of(first, second)) {
            assertEquals(1, Runs.progress(run).stream().filter(p -> p.status().equals(TrainingProgress.SUCCEEDED))
                    .count(), run + " trained once");
            assertEquals(2, Runs.checkpoints(run).size(), run + ": its epoch and final checkpoints only");
            assertEquals("sw-a", Runs.checkpoints(run).get(1).metadata().get("sweepId"));
        }
        assertEquals(1.0, Runs.counter("deepdefense_training_sweeps_total{outcome=\"expanded\"}"));

        assertDeadLettered("sw-a", sweep("sw-a", "[1, 2, 3]"),
                "sweep sw-a was already expanded from a different sweep request; use a new sweepId");
    }

    @Test
    void aSweepOverTheLimitOrWithAPointThatCannotRunIsRefusedWholeWithTheNumbers() throws Exception {
        String lambdas = IntStream.rangeClosed(1, 11).mapToObj(Integer::toString).collect(Collectors.joining(", "));
        String big = sweep("sw-big", "[1, 2]").replace("[{\"method\": \"vanilla\"}]",
                "[{\"method\": \"deepdefense\", \"parameters\": {\"lambda\": [" + lambdas + "], \"c\": [10, 25]}},"
                        + " {\"method\": \"vanilla\"}]");
        assertDeadLettered("sw-big", big, "sweep sw-big has (22 + 1) combinations × 1 epoch counts × 2 seeds = 46"
                + " points, more than this trainer's limit of 40 (deepdefense.sweep.max-points)");
        String longer = sweep("sw-long", "[1]").replace("\"trainSubset\": 200",
                "\"trainSubset\": 60000, \"epochs\": [1, 60]");
        assertDeadLettered("sw-long", longer, "sweep sw-long, point sw-long-vanilla-e60-s1: too much training");
        assertDeadLettered("sw-bad", sweep("sw-bad", "[]"), "invalid sweep request: seeds must hold 1 to 16 values");
        assertTrue(TestKafka.current(Topics.TRAINING_REQUESTS, "sw-long-vanilla-e1-s1").isEmpty(),
                "a refused sweep publishes none of its points");
    }

    private static void assertDeadLettered(String key, String json, String reasonPart) throws Exception {
        TestKafka.send(Topics.SWEEP_REQUESTS, key, json);
        DeadLetter letter = Messages.parseDeadLetter(TestKafka.await(Topics.deadLetter(Topics.SWEEP_REQUESTS), key,
                records -> !records.isEmpty(), Runs.TIMEOUT).get(0).value());
        assertTrue(letter.reason().contains(reasonPart), () -> key + ": " + letter.reason());
        assertEquals(Topics.SWEEP_REQUESTS, letter.sourceTopic());
    }

    private static TrainingProgress last(List<TrainingProgress> progress) {
        return progress.get(progress.size() - 1);
    }
}
