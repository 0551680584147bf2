package org.deepdefense.trainer;

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
    private static final String DUPLICATES = "deepdefense_training_requests_total{outcome=\"duplicate\"}";

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
        double duplicatesBefore = Runs.counter(DUPLICATES);

        Runs.submit("dup-1", request);
        Runs.awaitCounter(DUPLICATES, duplicatesBefore + 1);

        assertEquals(first.size(), Runs.progress("dup-1").size(), "no progress for the repeated request");
        assertEquals(2, Runs.checkpoints("dup-1").size(), "no checkpoints beyond the first run's");
        assertEquals(saved, Files.readString(finalMetadata));
    }
}
