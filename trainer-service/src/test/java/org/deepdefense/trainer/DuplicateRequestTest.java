package org.deepdefense.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.kafka.LocalKafkaResource;
import org.deepdefense.messages.TrainingProgress;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(LocalKafkaResource.class)
@QuarkusTestResource(TempStoreResource.class)
class DuplicateRequestTest {

    @ConfigProperty(name = "deepdefense.store.root")
    Path storeRoot;

    @Test
    void aRedeliveredRequestForAFinishedRunDoesNotTrainAgain() throws Exception {
        String request = Runs.request("dup-1", "");
        Runs.submit("dup-1", request);
        List<TrainingProgress> first = Runs.awaitEnd("dup-1");
        assertEquals(TrainingProgress.SUCCEEDED, first.get(first.size() - 1).status());
        Path finalMetadata = storeRoot.resolve("dup-1/final").resolve(CheckpointStore.METADATA_FILE);
        String saved = Files.readString(finalMetadata);
        double duplicatesBefore = duplicates();

        Runs.submit("dup-1", request);
        long deadline = System.nanoTime() + Runs.TIMEOUT.toNanos();
        while (duplicates() == duplicatesBefore && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }

        assertEquals(duplicatesBefore + 1, duplicates());
        assertEquals(first.size(), Runs.progress("dup-1").size(), "no progress for the repeated request");
        assertEquals(2, Runs.checkpoints("dup-1").size(), "no checkpoints beyond the first run's");
        assertEquals(saved, Files.readString(finalMetadata));
    }

    private static double duplicates() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith("deepdefense_training_requests_total{outcome=\"duplicate\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(0);
    }
}
