package org.deepdefense.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.matchesPattern;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingProgress;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TempStoreResource.class)
class TrainingFlowTest {

    @ConfigProperty(name = "deepdefense.store.root")
    Path storeRoot;

    @Test
    void trainsARequestAndPublishesProgressCheckpointsAndMetrics() throws Exception {
        Runs.submit("flow-1", Runs.request("flow-1", "\"testSubset\": 100, \"attacks\": [\"fgs\"]"));

        List<TrainingProgress> progress = Runs.awaitEnd("flow-1");
        TrainingProgress first = progress.get(0);
        assertEquals(TrainingProgress.RUNNING, first.status());
        assertEquals(0, first.epoch());
        assertEquals(4, first.stepsPerEpoch());
        TrainingProgress last = progress.get(progress.size() - 1);
        assertEquals(TrainingProgress.SUCCEEDED, last.status(), () -> "last progress: " + last);
        assertEquals(1, last.epoch());
        assertEquals(4, last.step());
        assertFalse(last.device().isBlank());

        List<CheckpointPublished> checkpoints = Runs.checkpoints("flow-1");
        assertEquals(List.of("flow-1/epoch-0001", "flow-1/final"),
                checkpoints.stream().map(CheckpointPublished::storeKey).toList());
        CheckpointPublished published = checkpoints.get(1);
        assertEquals(true, published.finalCheckpoint());
        assertEquals("flow-1-final", published.checkpointId());
        assertEquals(CheckpointStore.sha256(storeRoot.resolve("flow-1/final").resolve(CheckpointStore.PARAMS_FILE)),
                published.sha256());
        assertEquals(List.of("fgs"), published.attacks());
        assertEquals(100, published.metadata().get("testSubset"));
        assertEquals(1, published.metadata().get("epoch"));
        assertEquals("vanilla", published.metadata().get("method"));
        assertEquals("mlp", published.metadata().get("architecture"));
        assertEquals("generated", published.metadata().get("dataset"));

        given().get("/q/metrics").then().statusCode(200)
                .body(matchesPattern("(?s).*\\ndeepdefense_training_loss\\{[^}]*run=\"flow-1\"[^}]*} [0-9.]+.*"))
                .body(containsString("deepdefense_training_runs_total{outcome=\"succeeded\"}"))
                .body(containsString("deepdefense_training_step_seconds_count{"))
                .body(containsString("deepdefense_training_epochs_completed_total{"))
                .body(containsString("deepdefense_training_queue_depth "))
                .body(containsString("\ndeepdefense_training_running 0.0"));
    }

    @Test
    void anImageFolderRunTrainsOnItsRootInTheDataDirectoryAndItsCheckpointsNameIt() throws Exception {
        Runs.submit("folder-1", """
                {"schemaVersion": 1, "runId": "folder-1", "dataset": "imagefolder", "datasetRoot": "%s",
                 "architecture": "mlp", "method": "vanilla", "seed": 7, "attacks": ["deepfool"],
                 "hyperparameters": {"epochs": 1, "batchSize": 40, "learningRate": 0.01}}
                """.formatted(TempStoreResource.FOLDER_ROOT));

        TrainingProgress last = last(Runs.awaitEnd("folder-1"));
        assertEquals(TrainingProgress.SUCCEEDED, last.status(), () -> "last progress: " + last);
        assertEquals(2, last.stepsPerEpoch(), "80 training images of the folder in batches of 40");
        List<CheckpointPublished> checkpoints = Runs.checkpoints("folder-1");
        assertEquals(List.of(TempStoreResource.FOLDER_ROOT, TempStoreResource.FOLDER_ROOT),
                checkpoints.stream().map(CheckpointPublished::datasetRoot).toList(),
                "the attack service finds the folder through the checkpoint");
        assertEquals(4, new CheckpointStore(storeRoot).readMetadata("folder-1/final").numClasses());
    }

    @Test
    void aStorageHiccupReadingTheBaseCheckpointIsRetriedAndTheRunSucceeds() throws Exception {
        Runs.submit("hiccup-base", Runs.request("hiccup-base", "\"attacks\": [\"deepfool\"]"));
        assertEquals(TrainingProgress.SUCCEEDED, last(Runs.awaitEnd("hiccup-base")).status());
        String sha256 = new CheckpointStore(storeRoot).readMetadata("hiccup-base/final").sha256();
        // The weights' file is a directory for a few seconds: reading it fails with an I/O error ("Is a
        // directory"), neither missing nor corrupt, as a flaky volume would.
        Path params = storeRoot.resolve("hiccup-base/final").resolve(CheckpointStore.PARAMS_FILE);
        Path aside = params.resolveSibling("params.aside");
        Files.move(params, aside);
        Files.createDirectory(params);
        Runs.submit("hiccup-1", Runs.request("hiccup-1", """
                "attacks": ["deepfool"], "baseCheckpoint": "hiccup-base/final", "baseCheckpointSha256": "%s"
                """.formatted(sha256)));
        Thread.sleep(4000);
        Files.delete(params);
        Files.move(aside, params);

        TrainingProgress end = last(Runs.awaitEnd("hiccup-1"));
        assertEquals(TrainingProgress.SUCCEEDED, end.status(), () -> "a hiccup is not the request's fault: " + end);
        assertEquals(List.of(), TestKafka.current(Topics.deadLetter(Topics.TRAINING_REQUESTS), "hiccup-1"),
                "nothing dead-lettered");
    }

    private static TrainingProgress last(List<TrainingProgress> progress) {
        return progress.get(progress.size() - 1);
    }
}
