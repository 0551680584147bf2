package org.deepdefense.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingProgress;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TempStoreResource.class)
class DeadLetterTest {
    private static final String SHA = "ab".repeat(32);

    @Test
    void poisonRecordsAreMovedAsideAndTheServiceKeepsTraining() throws Exception {
        assertDeadLettered("bad-json", "{\"schemaVersion\": 1, \"runId\": ", "JSON");
        assertDeadLettered("bad-version", Runs.request("bad-version", "").replace("\"schemaVersion\": 1",
                "\"schemaVersion\": 2"), "unsupported schemaVersion 2");
        assertDeadLettered("bad-epochs", Runs.request("bad-epochs", "").replace("\"epochs\": 1",
                "\"epochs\": 500"), "epochs must be in 1..200");
        assertDeadLettered("bad-key", Runs.request("bad-key",
                "\"baseCheckpoint\": \"../outside/final\", \"baseCheckpointSha256\": \"" + SHA + "\""), "..");
        assertDeadLettered("no-base", Runs.request("no-base",
                "\"baseCheckpoint\": \"nobody/final\", \"baseCheckpointSha256\": \"" + SHA + "\""),
                "unknown base checkpoint 'nobody/final'");
        assertDeadLettered("too-long", Runs.request("too-long", "").replace("\"epochs\": 1", "\"epochs\": 100")
                .replace("\"trainSubset\": 200", "\"trainSubset\": 60000"),
                "epochs × training images = 100 × 60000 = 6000000, more than this trainer's limit of 3000000");
        assertDeadLettered("too-wide", Runs.request("too-wide", "").replace("\"vanilla\"", "\"deepdefense\"")
                .replace("\"batchSize\": 50", "\"batchSize\": 1024, \"deepFoolIterations\": 50"),
                "batchSize × deepFoolIterations = 1024 × 50 = 51200, more than this trainer's limit of 10240");
        given().get("/q/health/ready").then().statusCode(200);

        Runs.submit("dl-valid", Runs.request("dl-valid", ""));
        List<TrainingProgress> valid = Runs.awaitEnd("dl-valid");
        assertEquals(TrainingProgress.SUCCEEDED, valid.get(valid.size() - 1).status());

        // A base that exists but not with the checksum the request names: found when the run loads it.
        assertDeadLettered("bad-sha", Runs.request("bad-sha",
                "\"baseCheckpoint\": \"dl-valid/final\", \"baseCheckpointSha256\": \"" + SHA + "\""),
                "expected " + SHA);
        List<TrainingProgress> failed = Runs.awaitEnd("bad-sha");
        TrainingProgress end = failed.get(failed.size() - 1);
        assertEquals(TrainingProgress.FAILED, end.status());
        assertTrue(end.message().contains("sha256"), end.message());
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/metrics").then().statusCode(200).body(containsString(
                "deepdefense_dead_letters_total{topic=\"deepdefense.training.requests\"}"));
    }

    private static void assertDeadLettered(String key, String json, String reasonPart) throws Exception {
        Runs.submit(key, json);
        String dlq = Topics.deadLetter(Topics.TRAINING_REQUESTS);
        DeadLetter letter = Messages.parseDeadLetter(
                TestKafka.await(dlq, key, records -> !records.isEmpty(), Runs.TIMEOUT).get(0).value());
        assertTrue(letter.reason().contains(reasonPart), () -> key + ": " + letter.reason());
        assertEquals(Topics.TRAINING_REQUESTS, letter.sourceTopic());
        assertEquals(json, new String(Base64.getDecoder().decode(letter.payloadBase64()), StandardCharsets.UTF_8));
    }
}
