package org.deepdefense.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;

/**
 * One training run from start to final checkpoint, as the CLI and the trainer service run it: from scratch, from a
 * base checkpoint (fine-tuning keeps the base's preprocessing), or resumed from the run's own latest checkpoint.
 * A checkpoint is written after every epoch and a final one at the end; a run whose final checkpoint exists is
 * not trained again.
 */
public final class TrainingJob {
    private TrainingJob() {}

    /**
     * @param baseCheckpoint store key of the model to start from, or null to start from scratch
     * @param baseSha256 expected SHA-256 of the base checkpoint, or null to trust its metadata
     * @param trainSubset train on the first {@code trainSubset} samples only, or null for all
     */
    public record Spec(String runId, DatasetName dataset, Path dataDir, Architecture architecture,
            TrainingConfig config, String baseCheckpoint, String baseSha256, Integer trainSubset) {
        public Spec {
            CheckpointStore.requireValidRunId(runId);
            if (baseCheckpoint != null) {
                CheckpointStore.requireValidKey(baseCheckpoint);
            }
        }
    }

    /** What a run reports while it trains. */
    public interface Events {
        default void started(String device, int stepsPerEpoch, Trainer.Position from) {}

        /** After each step; return false to stop (the run can resume from its latest checkpoint). */
        default boolean step(Trainer.StepReport report) {
            return true;
        }

        default void checkpointSaved(String key, CheckpointMetadata metadata) {}
    }

    /** The final checkpoint's key and metadata, or empty when the run was stopped before its end. */
    public static Optional<Saved> run(Spec spec, CheckpointStore store, NDManager root, Events events)
            throws IOException {
        String finalKey = CheckpointStore.keyFor(spec.runId(), 0, 0, true);
        Optional<String> latest = store.latest(spec.runId());
        if (latest.isPresent() && latest.get().equals(finalKey)) {
            return Optional.of(new Saved(finalKey, store.readMetadata(finalKey)));
        }
        Dataset train = DataSource.load(spec.dataset(), Split.TRAIN, spec.dataDir(), spec.trainSubset(),
                spec.architecture());
        String parent;
        Trainer.Position start;
        ModelCheckpoints.Loaded resumed = null;
        Network network;
        Preprocessor preprocessor;
        if (latest.isPresent()) {
            resumed = ModelCheckpoints.load(store, latest.get(), null, root);
            CheckpointMetadata meta = resumed.checkpoint().metadata();
            network = resumed.network();
            preprocessor = resumed.preprocessor();
            parent = latest.get();
            start = new Trainer.Position(meta.epoch(), meta.stepInEpoch());
        } else if (spec.baseCheckpoint() != null) {
            resumed = ModelCheckpoints.load(store, spec.baseCheckpoint(), spec.baseSha256(), root);
            network = resumed.network();
            preprocessor = resumed.preprocessor();
            parent = spec.baseCheckpoint();
            start = new Trainer.Position(0, 0);
        } else {
            network = Network.create(spec.architecture(), train.channels(), train.height(), train.width(),
                    train.numClasses(), spec.config().seed(), root);
            preprocessor = Preprocessor.meanSubtraction(train);
            parent = null;
            start = new Trainer.Position(0, 0);
        }
        if (network.architecture() != spec.architecture()) {
            network.close();
            throw new IllegalArgumentException("checkpoint " + parent + " holds a " + network.architecture().id()
                    + ", the run asks for " + spec.architecture().id());
        }
        try (network; Trainer trainer = new Trainer(network, spec.config(), preprocessor)) {
            if (resumed != null && latest.isPresent()) {
                resumed.restoreOptimizer(trainer.optimizer());
            }
            String device = root.getDevice().toString();
            events.started(device, trainer.stepsPerEpoch(train), start);
            Checkpointer checkpointer = new Checkpointer(spec, store, network, preprocessor, trainer.optimizer(),
                    train, device, parent, events);
            Trainer.Position end = trainer.run(train, start, new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    return events.step(report);
                }

                @Override
                public void onEpochEnd(int epoch, double meanLoss, double accuracy) {
                    checkpointer.metrics = Map.of("trainLoss", meanLoss, "trainAccuracy", accuracy);
                    checkpointer.save(CheckpointStore.keyFor(spec.runId(), epoch + 1, 0, false), epoch + 1, false);
                }
            });
            if (end.epoch() < spec.config().epochs()) {
                return Optional.empty();
            }
            checkpointer.save(finalKey, end.epoch(), true);
            return Optional.of(new Saved(finalKey, store.readMetadata(finalKey)));
        }
    }

    /** Writes the run's checkpoints, each naming the one before it as its parent. */
    private static final class Checkpointer {
        private final Spec spec;
        private final CheckpointStore store;
        private final Network network;
        private final Preprocessor preprocessor;
        private final Sgd optimizer;
        private final Dataset train;
        private final String device;
        private final Events events;
        private String previous;
        private Map<String, Double> metrics = Map.of();

        Checkpointer(Spec spec, CheckpointStore store, Network network, Preprocessor preprocessor, Sgd optimizer,
                Dataset train, String device, String previous, Events events) {
            this.spec = spec;
            this.store = store;
            this.network = network;
            this.preprocessor = preprocessor;
            this.optimizer = optimizer;
            this.train = train;
            this.device = device;
            this.previous = previous;
            this.events = events;
        }

        /** Final checkpoints hold the model only; intermediate ones also the momentum buffers for resuming. */
        void save(String key, int epochs, boolean isFinal) {
            CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, spec.runId(),
                    spec.architecture().id(), spec.dataset().id(), spec.config().method().id(), preprocessor.kind(),
                    new int[] {train.channels(), train.height(), train.width()}, train.numClasses(),
                    spec.config().toMap(), epochs, 0, spec.config().seed(), metrics, isFinal, device,
                    Instant.now().toString(), previous, null);
            try {
                CheckpointMetadata saved = ModelCheckpoints.save(store, key, network, preprocessor,
                        isFinal ? null : optimizer, meta);
                previous = key;
                events.checkpointSaved(key, saved);
            } catch (IOException e) {
                throw new UncheckedIOException("could not save checkpoint " + key, e);
            }
        }
    }

    public record Saved(String key, CheckpointMetadata metadata) {}
}
