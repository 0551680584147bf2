package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.data.DatasetName;
import org.deepdefense.nn.Architecture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TrainingJobResumeTest {
    /** 300 generated images in batches of 100: 3 steps per epoch, 2 epochs. */
    private static final TrainingJob.Spec SPEC = new TrainingJob.Spec("run", DatasetName.GENERATED, null,
            Architecture.MLP, TrainingConfig.defaults(Method.VANILLA).withEpochs(2), null, null, 300);

    /**
     * The MLP, and NIN, whose dropout masks come from the engine's generator: a resumed run must draw the masks the
     * uninterrupted one drew (60 generated images in batches of 20 for it, 3 steps per epoch too).
     */
    static Stream<Arguments> resumable() {
        return Stream.of(Arguments.of(SPEC, "fc1.weight"), Arguments.of(new TrainingJob.Spec("run",
                DatasetName.GENERATED, null, Architecture.NIN,
                TrainingConfig.defaults(Method.VANILLA).withEpochs(2).withBatchSize(20), null, null, 60),
                "conv1.weight"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("resumable")
    void aStoppedRunResumesWhereItStoppedAndMatchesAnUninterruptedOne(TrainingJob.Spec spec, String weight,
            @TempDir Path dir) throws Exception {
        CheckpointStore interruptedStore = new CheckpointStore(dir.resolve("a"));
        CheckpointStore straightStore = new CheckpointStore(dir.resolve("b"));
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            Optional<TrainingJob.Saved> stopped = TrainingJob.run(spec, interruptedStore, root, new TrainingJob.Events() {
                @Override
                public boolean step(Trainer.StepReport report) {
                    return report.epoch() == 0; // stop after the first step of the second epoch
                }
            });
            assertTrue(stopped.isEmpty(), "a stopped run has no final checkpoint");
            // A stop inside an epoch leaves a resume point there.
            assertEquals(Optional.of("run/epoch-0001-step-000001"), interruptedStore.latest("run"));

            Trainer.Position[] resumedFrom = new Trainer.Position[1];
            TrainingJob.Saved resumed = TrainingJob.run(spec, interruptedStore, root, new TrainingJob.Events() {
                @Override
                public void started(String device, int stepsPerEpoch, Trainer.Position from) {
                    resumedFrom[0] = from;
                }
            }).orElseThrow();
            assertEquals(new Trainer.Position(1, 1), resumedFrom[0]);
            // The published chain skips resume points, which are gone once superseded.
            assertEquals("run/epoch-0001", interruptedStore.readMetadata("run/epoch-0002").parentCheckpoint());
            assertEquals(List.of("run/epoch-0001", "run/epoch-0002", "run/final"), interruptedStore.keys("run"));

            TrainingJob.Saved straight = TrainingJob.run(spec, straightStore, root, new TrainingJob.Events() {})
                    .orElseThrow();
            assertSameModel(interruptedStore, resumed, straightStore, straight, weight);

            // Asking again for a finished run trains nothing.
            assertEquals(resumed.metadata().sha256(), TrainingJob.run(spec, interruptedStore, root,
                    new TrainingJob.Events() {}).orElseThrow().metadata().sha256());
        }
    }

    @Test
    void aStopAtTheLastStepOfAnEpochStillWritesTheEpochsCheckpoint(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            assertTrue(TrainingJob.run(SPEC, store, root, new TrainingJob.Events() {
                @Override
                public boolean step(Trainer.StepReport report) {
                    return report.step() < report.stepsPerEpoch();
                }
            }).isEmpty());
            assertEquals(List.of("run/epoch-0001"), store.keys("run"));
        }
    }

    @Test
    void aRunIdResumesOnlyTheConfigurationItNamedBefore(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            TrainingJob.run(SPEC, store, root, new TrainingJob.Events() {
                @Override
                public boolean step(Trainer.StepReport report) {
                    return report.step() < report.stepsPerEpoch();
                }
            });
            TrainingJob.Spec other = new TrainingJob.Spec(SPEC.runId(), SPEC.dataset(), null, SPEC.architecture(),
                    SPEC.config().withMethod(Method.PARSEVAL).withLearningRate(0.5), null, null, SPEC.trainSubset());
            String reason = assertThrows(IllegalArgumentException.class,
                    () -> TrainingJob.run(other, store, root, new TrainingJob.Events() {})).getMessage();
            assertTrue(reason.contains("method vanilla vs parseval") && reason.contains("learningRate"), reason);
            assertEquals(List.of("run/epoch-0001"), store.keys("run"), "nothing written under the other configuration");
        }
    }

    @Test
    void aCrashInsideAnEpochResumesFromTheLastResumePointWhichIsNeverAnnounced(@TempDir Path dir) throws Exception {
        CheckpointStore crashedStore = new CheckpointStore(dir.resolve("a"));
        CheckpointStore straightStore = new CheckpointStore(dir.resolve("b"));
        TrainingJob.ResumePoints everyStep = new TrainingJob.ResumePoints(1, null);
        List<String> announced = new ArrayList<>();
        List<String> resumePoints = new ArrayList<>();
        TrainingJob.Events recording = new TrainingJob.Events() {
            @Override
            public void checkpointSaved(String key, CheckpointMetadata metadata) {
                announced.add(key);
            }

            @Override
            public void resumePointSaved(String key, Trainer.Position next) {
                resumePoints.add(key);
            }
        };
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            // An exception is the closest a test JVM gets to kill -9: no stop, no resume point at the failing step.
            assertThrows(IllegalStateException.class, () -> TrainingJob.run(SPEC, crashedStore, root,
                    new TrainingJob.Events() {
                        @Override
                        public boolean step(Trainer.StepReport report) {
                            if (report.epoch() == 1 && report.step() == 3) {
                                throw new IllegalStateException("crash");
                            }
                            return true;
                        }

                        @Override
                        public void resumePointSaved(String key, Trainer.Position next) {
                            recording.resumePointSaved(key, next);
                        }
                    }, everyStep));
            assertEquals(Optional.of("run/epoch-0001-step-000002"), crashedStore.latest("run"));
            assertEquals(List.of("run/epoch-0001", "run/epoch-0001-step-000002"), crashedStore.keys("run"),
                    "superseded resume points are deleted");
            CheckpointMetadata point = crashedStore.readMetadata("run/epoch-0001-step-000002");
            assertEquals(200.0, point.metrics().get("epochSeen"), "the epoch's running sums travel with it");

            TrainingJob.Saved resumed = TrainingJob.run(SPEC, crashedStore, root, recording, everyStep).orElseThrow();
            assertEquals(List.of("run/epoch-0002", "run/final"), announced, "resume points are never announced");
            assertFalse(resumePoints.isEmpty());
            assertTrue(resumePoints.stream().allMatch(key -> key.contains("-step-")), resumePoints.toString());

            TrainingJob.Saved straight = TrainingJob.run(SPEC, straightStore, root, new TrainingJob.Events() {})
                    .orElseThrow();
            assertSameModel(crashedStore, resumed, straightStore, straight, "fc1.weight");
        }
    }

    /** PyTorch on the CPU is not bitwise deterministic across runs: equal within a tolerance. */
    private static void assertSameModel(CheckpointStore storeA, TrainingJob.Saved a, CheckpointStore storeB,
            TrainingJob.Saved b, String weight) throws Exception {
        NamedTensor wa = storeA.load(a.key(), null).tensor(weight);
        NamedTensor wb = storeB.load(b.key(), null).tensor(weight);
        double maxDifference = 0;
        for (int i = 0; i < wa.data().length; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(wa.data()[i] - wb.data()[i]));
        }
        assertTrue(maxDifference < 1e-4, "resumed and uninterrupted weights differ by " + maxDifference);
        for (String metric : List.of("trainLoss", "trainAccuracy")) {
            double ma = a.metadata().metrics().get(metric);
            double mb = b.metadata().metrics().get(metric);
            assertEquals(mb, ma, 1e-4 * Math.max(1, Math.abs(mb)), metric + " of the resumed run");
        }
        // The stabiliser counts survive resume points and restarts: the same as the uninterrupted run's.
        Stabilisers fired = Stabilisers.runIn(b.metadata().metrics());
        System.out.println("stabilisers over the run: " + fired.describe());
        assertEquals(fired, Stabilisers.runIn(a.metadata().metrics()), "run totals of the resumed run");
        assertEquals(Stabilisers.epochIn(b.metadata().metrics()), Stabilisers.epochIn(a.metadata().metrics()),
                "last epoch's counts of the resumed run");
    }
}
