package org.deepdefense.messages;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class MessagesTest {

    static List<Message> samples() {
        return Samples.all();
    }

    @ParameterizedTest
    @MethodSource("samples")
    void roundTripsEveryRecord(Message sample) {
        byte[] json = Messages.toJson(sample);
        assertEquals(sample, Messages.parse(json, sample.getClass()));
        assertTrue(new String(json, UTF_8).startsWith("{\"schemaVersion\":1,"), new String(json, UTF_8));
    }

    @Test
    void typedParsersReadTheirOwnType() {
        assertEquals(Samples.request(), Messages.parseTrainingRequest(Messages.toJson(Samples.request())));
        assertEquals(Samples.progress(), Messages.parseTrainingProgress(Messages.toJson(Samples.progress())));
        assertEquals(Samples.checkpoint(), Messages.parseCheckpointPublished(Messages.toJson(Samples.checkpoint())));
        assertEquals(Samples.attackResult(), Messages.parseAttackResult(Messages.toJson(Samples.attackResult())));
        assertEquals(Samples.report(), Messages.parseRobustnessReport(Messages.toJson(Samples.report())));
        assertEquals(Samples.deadLetter(), Messages.parseDeadLetter(Messages.toJson(Samples.deadLetter())));
    }

    @Test
    void theShardResultsTopicTellsPlansFromResults() {
        assertEquals(Samples.shardPlan(), Messages.parseShardOutput(Messages.toJson(Samples.shardPlan())));
        assertEquals(Samples.shardResult(), Messages.parseShardOutput(Messages.toJson(Samples.shardResult())));
        InvalidMessageException refused = org.junit.jupiter.api.Assertions.assertThrows(
                InvalidMessageException.class, () -> Messages.parseShardOutput("[]".getBytes(UTF_8)));
        assertEquals("expected a JSON object (a ShardResult), got an array", refused.getMessage());
    }

    @Test
    void aPlanChecksEachResultAgainstItsShard() {
        ShardPlan plan = Samples.shardPlan();
        ShardResult result = Samples.shardResult(); // shard 2 of 5 in the sample; this plan has 3
        assertEquals("shard 2 of run-1-final says 5 shards, the plan 3", plan.mismatch(result).orElseThrow());
        ShardResult third = new ShardResult(1, "run-1", "run-1-final", result.attacks(), 2, 3, 2000, 2003,
                result.outcomes(), result.options(), 9, result.timestamp());
        assertEquals(java.util.Optional.empty(), plan.mismatch(third));
        assertTrue(third.sameFindings(new ShardResult(1, "run-1", "run-1-final", result.attacks(), 2, 3, 2000, 2003,
                result.outcomes(), result.options(), 1, "2030-01-01T00:00:00Z")), "timings are not findings");
    }

    @Test
    void minimalRequestTakesThePapersDefaults() {
        TrainingRequest request = Messages.parseTrainingRequest("""
                {"schemaVersion": 1, "runId": "r", "dataset": "mnist", "architecture": "mlp",
                 "method": "vanilla", "seed": 7}""".getBytes(UTF_8));
        assertEquals(Hyperparameters.DEFAULTS, request.hyperparameters());
        assertEquals(new Hyperparameters(5, 100, 5e-4, 0.9, 5e-4, 15, 25, 5, 5, 0.02, "last-epoch", 3e-4, 8, 0.5), request.hyperparameters());
        assertEquals(List.of("standard"), request.attacks());
        assertEquals(null, request.baseCheckpoint());
        assertEquals(null, request.trainSubset());
    }

    @Test
    void absentHyperparametersTakeTheirDefaultOneByOne() {
        byte[] json = Samples.with(Samples.request(), "hyperparameters", "{\"epochs\": 2, \"lambda\": 30}");
        Hyperparameters h = Messages.parseTrainingRequest(json).hyperparameters();
        assertEquals(2, h.epochs());
        assertEquals(30, h.lambda());
        assertEquals(Hyperparameters.DEFAULTS.c(), h.c());
        assertEquals(Hyperparameters.DEFAULTS.lrSchedule(), h.lrSchedule());
    }

    @Test
    void integersAreAcceptedForDecimalFields() {
        byte[] json = Samples.with(Samples.request(), "hyperparameters.learningRate", "1");
        assertEquals(1.0, Messages.parseTrainingRequest(json).hyperparameters().learningRate());
    }

    @Test
    void deadLetterKeepsOnlyTheFirst64KiBOfThePayload() {
        byte[] payload = new byte[DeadLetter.MAX_PAYLOAD_BYTES + 10];
        payload[0] = 7;
        DeadLetter letter = DeadLetter.of("t", 1, 2, "k".repeat(10_000), "bad", payload, Instant.parse(Samples.NOW));
        byte[] kept = Base64.getDecoder().decode(letter.payloadBase64());
        assertEquals(DeadLetter.MAX_PAYLOAD_BYTES, kept.length);
        assertEquals(7, kept[0]);
        assertEquals(8192, letter.key().length());
        assertEquals(letter, Messages.parseDeadLetter(Messages.toJson(letter)));
    }

    @Test
    void deadLetterOfATombstoneHasAnEmptyPayload() {
        DeadLetter letter = DeadLetter.of("t", 0, 0, null, "empty record", null, Instant.parse(Samples.NOW));
        assertArrayEquals(new byte[0], Base64.getDecoder().decode(letter.payloadBase64()));
    }

    @Test
    void refusesToWriteAnOversizedRecord() {
        var checkpoint = Samples.checkpoint();
        var huge = new CheckpointPublished(1, "r", "c", "k", Samples.SHA, true, 1, "mlp", "mnist", null, "vanilla",
                checkpoint.attacks(), Map.of("notes", "x".repeat(Messages.MAX_RECORD_BYTES)));
        var e = assertThrows(InvalidMessageException.class, () -> Messages.toJson(huge));
        assertTrue(e.getMessage().startsWith("record is "), e.getMessage());
    }

    @Test
    void recordsAreImmutable() {
        var attacks = new ArrayList<>(List.of("fgs"));
        var request = new TrainingRequest(1, "r", "mnist", null, "mlp", "vanilla", null, null, null, 1, attacks, null, null, null);
        attacks.add("deepfool");
        assertEquals(List.of("fgs"), request.attacks());
        assertThrows(UnsupportedOperationException.class, () -> Samples.report().fgsAccuracy().clear());
    }
}
