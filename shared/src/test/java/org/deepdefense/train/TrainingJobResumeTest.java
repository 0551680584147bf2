package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingJobResumeTest {

    @Test
    void aStoppedRunResumesFromItsLatestCheckpointAndMatchesAnUninterruptedOne(@TempDir Path dir) throws Exception {
        TrainingConfig config = TrainingConfig.defaults(Method.VANILLA).withEpochs(2);
        CheckpointStore interruptedStore = new CheckpointStore(dir.resolve("a"));
        CheckpointStore straightStore = new CheckpointStore(dir.resolve("b"));
        TrainingJob.Spec spec = new TrainingJob.Spec("run", DatasetName.GENERATED, null, Architecture.MLP, config,
                null, null, 300);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            Optional<TrainingJob.Saved> stopped = TrainingJob.run(spec, interruptedStore, root, new TrainingJob.Events() {
                @Override
                public boolean step(Trainer.StepReport report) {
                    return report.epoch() == 0; // stop after the first step of the second epoch
                }
            });
            assertTrue(stopped.isEmpty(), "a stopped run has no final checkpoint");
            assertEquals(Optional.of("run/epoch-0001"), interruptedStore.latest("run"));

            Trainer.Position[] resumedFrom = new Trainer.Position[1];
            TrainingJob.Saved resumed = TrainingJob.run(spec, interruptedStore, root, new TrainingJob.Events() {
                @Override
                public void started(String device, int stepsPerEpoch, Trainer.Position from) {
                    resumedFrom[0] = from;
                }
            }).orElseThrow();
            assertEquals(new Trainer.Position(1, 0), resumedFrom[0]);
            assertEquals("run/epoch-0001", interruptedStore.readMetadata("run/epoch-0002").parentCheckpoint());

            TrainingJob.Saved straight = TrainingJob.run(spec, straightStore, root, new TrainingJob.Events() {})
                    .orElseThrow();
            NamedTensor a = interruptedStore.load(resumed.key(), null).tensor("fc1.weight");
            NamedTensor b = straightStore.load(straight.key(), null).tensor("fc1.weight");
            double maxDifference = 0;
            for (int i = 0; i < a.data().length; i++) {
                maxDifference = Math.max(maxDifference, Math.abs(a.data()[i] - b.data()[i]));
            }
            assertTrue(maxDifference < 1e-4, "resumed and uninterrupted weights differ by " + maxDifference);

            // Asking again for a finished run trains nothing.
            assertEquals(resumed.metadata().sha256(), TrainingJob.run(spec, interruptedStore, root,
                    new TrainingJob.Events() {}).orElseThrow().metadata().sha256());
        }
    }
}
