package org.deepdefense.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.messages.Hyperparameters;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.ComputeHost;
import org.deepdefense.nn.Network;

/**
 * One training run from start to final checkpoint, as the CLI and the trainer service run it: from scratch, from a
 * base checkpoint (fine-tuning keeps the base's preprocessing), or resumed from the run's own latest checkpoint.
 * A checkpoint is written after every epoch and a final one at the end; a run whose final checkpoint exists is
 * not trained again.
 *
 * <p>Inside an epoch, {@link ResumePoints} add resume points: checkpoints keyed {@code <run>/epoch-0002-step-000040}
 * with the momentum buffers and the epoch's running sums, which are not announced as checkpoints
 * ({@link Events#resumePointSaved}) and are deleted once a later checkpoint or resume point supersedes them. The
 * data order derives from seed and epoch and no other randomness is drawn while training, so (epoch, step) is the
 * whole data position and RNG state.
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

        /**
         * The run a training request asks for, as the trainer service and {@code ./deepdefense sweep} run it.
         *
         * @throws IllegalArgumentException for a request the message contract allows but the engine cannot run
         */
        public static Spec of(TrainingRequest request, Path dataDir) {
            Hyperparameters h = request.hyperparameters();
            TrainingConfig config = new TrainingConfig(Method.parse(request.method()), h.epochs(), h.batchSize(),
                    h.learningRate(), h.momentum(), h.weightDecay(), LearningRateSchedule.parse(h.lrSchedule()), h.lambda(), h.c(), h.d(),
                    h.deepFoolIterations(), h.overshoot(), request.seed(), h.parsevalBeta(), h.adversarialEpsilon(),
                    h.adversarialRatio());
            return new Spec(request.runId(), DatasetName.parse(request.dataset()), dataDir,
                    Architecture.parse(request.architecture()), config, request.baseCheckpoint(),
                    request.baseCheckpointSha256(), request.trainSubset());
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

        /** A resume point inside an epoch; nothing to announce, the run continues from it after a crash. */
        default void resumePointSaved(String key, Trainer.Position next) {}
    }

    /**
     * When to write a resume point inside an epoch: after {@code everySteps} steps or {@code every} time since the
     * last checkpoint or resume point, whichever comes first (0 or null: not by that rule), and always when the
     * run is stopped inside an epoch.
     */
    public record ResumePoints(int everySteps, Duration every) {
        public static final ResumePoints NONE = new ResumePoints(0, null);

        public ResumePoints {
            if (everySteps < 0 || every != null && (every.isNegative() || every.isZero())) {
                throw new IllegalArgumentException("resume points need everySteps >= 0 and a positive interval");
            }
        }
    }

    /** Epoch running sums saved with a resume point, as metrics of its metadata. */
    private static final String LOSS_SUM = "epochLossSum";
    private static final String CORRECT = "epochCorrect";
    private static final String SEEN = "epochSeen";

    /** As {@link #run(Spec, CheckpointStore, NDManager, Events, ResumePoints)} with resume points only on a stop. */
    public static Optional<Saved> run(Spec spec, CheckpointStore store, NDManager root, Events events)
            throws IOException {
        return run(spec, store, root, events, ResumePoints.NONE);
    }

    /**
     * A run id resumes (or reports as done) only the run it named before: the same architecture, dataset, method and
     * hyperparameters. Anything else is refused, naming what differs, rather than mixing two configurations.
     */
    static void requireSameRun(Spec spec, String key, CheckpointMetadata meta) {
        List<String> differences = new ArrayList<>();
        if (!meta.architecture().equals(spec.architecture().id())) {
            differences.add("architecture " + meta.architecture() + " vs " + spec.architecture().id());
        }
        if (!meta.dataset().equals(spec.dataset().id())) {
            differences.add("dataset " + meta.dataset() + " vs " + spec.dataset().id());
        }
        if (!meta.method().equals(spec.config().method().id())) {
            differences.add("method " + meta.method() + " vs " + spec.config().method().id());
        }
        Map<String, Object> asked = spec.config().toMap();
        for (Map.Entry<String, Object> entry : asked.entrySet()) {
            Object saved = entry.getKey().equals(LearningRateSchedule.KEY)
                    ? idOrNull(LearningRateSchedule.recordedIn(meta.hyperparameters()))
                    : meta.hyperparameters().get(entry.getKey());
            if (!sameValue(saved, entry.getValue())) {
                differences.add(entry.getKey() + " " + saved + " vs " + entry.getValue());
            }
        }
        if (!differences.isEmpty()) {
            throw new IllegalArgumentException("run " + spec.runId() + " already has checkpoint " + key
                    + " of another configuration (saved vs asked: " + String.join(", ", differences)
                    + "); use a new run id");
        }
    }

    private static String idOrNull(LearningRateSchedule schedule) {
        return schedule == null ? null : schedule.id();
    }

    /** Numbers compare by value: JSON may give back 5 where the configuration holds 5.0. */
    private static boolean sameValue(Object saved, Object asked) {
        if (saved instanceof Number a && asked instanceof Number b) {
            return a.doubleValue() == b.doubleValue();
        }
        return Objects.equals(saved, asked);
    }

    /** The final checkpoint's key and metadata, or empty when the run was stopped before its end. */
    public static Optional<Saved> run(Spec spec, CheckpointStore store, NDManager root, Events events,
            ResumePoints resumePoints) throws IOException {
        String finalKey = CheckpointStore.keyFor(spec.runId(), 0, 0, true);
        Optional<String> latest = store.latest(spec.runId());
        if (latest.isPresent()) {
            requireSameRun(spec, latest.get(), store.readMetadata(latest.get()));
        }
        if (latest.isPresent() && latest.get().equals(finalKey)) {
            return Optional.of(new Saved(finalKey, store.readMetadata(finalKey)));
        }
        Dataset train = DataSource.load(spec.dataset(), Split.TRAIN, spec.dataDir(), spec.trainSubset(),
                spec.architecture());
        String parent;
        Trainer.Position start;
        Trainer.Tally carried = Trainer.Tally.ZERO;
        String resumePoint = null;
        Map<String, Double> lastMetrics = Map.of();
        // The stabiliser counts of the run's completed epochs; a base checkpoint's belong to another run.
        Stabilisers firedBefore = Stabilisers.NONE;
        ModelCheckpoints.Loaded resumed = null;
        Network network;
        Preprocessor preprocessor;
        if (latest.isPresent()) {
            resumed = ModelCheckpoints.load(store, latest.get(), null, root);
            CheckpointMetadata meta = resumed.checkpoint().metadata();
            network = resumed.network();
            preprocessor = resumed.preprocessor();
            start = new Trainer.Position(meta.epoch(), meta.stepInEpoch());
            if (meta.stepInEpoch() > 0) {
                // A resume point: not part of the published chain, so the next checkpoint names its parent.
                resumePoint = latest.get();
                parent = meta.parentCheckpoint();
                Map<String, Double> m = meta.metrics();
                Stabilisers firedSoFar = Stabilisers.epochIn(m);
                carried = new Trainer.Tally(m.getOrDefault(LOSS_SUM, 0.0), m.getOrDefault(CORRECT, 0.0).longValue(),
                        m.getOrDefault(SEEN, 0.0).longValue(), firedSoFar);
                firedBefore = Stabilisers.runIn(m).minus(firedSoFar);
            } else {
                parent = latest.get();
                lastMetrics = meta.metrics();
                firedBefore = Stabilisers.runIn(lastMetrics);
            }
        } else if (spec.baseCheckpoint() != null) {
            resumed = ModelCheckpoints.load(store, spec.baseCheckpoint(), spec.baseSha256(), root);
            network = resumed.network();
            preprocessor = resumed.preprocessor();
            parent = spec.baseCheckpoint();
            start = new Trainer.Position(0, 0);
        } else {
            network = Network.create(spec.architecture(), train.channels(), train.height(), train.width(),
                    train.numClasses(), spec.config().seed(), root);
            preprocessor = Preprocessor.fit(Preprocessing.forDataset(spec.dataset()), train);
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
            String device = ComputeHost.describe(root.getDevice());
            events.started(device, trainer.stepsPerEpoch(train), start);
            Checkpointer checkpointer = new Checkpointer(spec, store, network, preprocessor, trainer.optimizer(),
                    train, device, parent, resumePoint, lastMetrics, firedBefore, events);
            Trainer.Position end = trainer.run(train, start, carried, new Trainer.Listener() {
                private int steps;
                private long lastSave = System.nanoTime();

                @Override
                public boolean onStep(Trainer.StepReport report) {
                    steps++;
                    return events.step(report);
                }

                @Override
                public void midEpoch(Trainer.Position next, Trainer.Tally soFar, boolean stopping) {
                    boolean bySteps = resumePoints.everySteps() > 0 && steps >= resumePoints.everySteps();
                    boolean byTime = resumePoints.every() != null
                            && System.nanoTime() - lastSave >= resumePoints.every().toNanos();
                    if (stopping || bySteps || byTime) {
                        checkpointer.saveResumePoint(next, soFar);
                        saved();
                    }
                }

                @Override
                public void onEpochEnd(int epoch, double meanLoss, double accuracy, Stabilisers fired) {
                    checkpointer.saveEpoch(CheckpointStore.keyFor(spec.runId(), epoch + 1, 0, false), epoch + 1,
                            meanLoss, accuracy, fired);
                    saved();
                }

                private void saved() {
                    steps = 0;
                    lastSave = System.nanoTime();
                }
            });
            if (end.epoch() < spec.config().epochs()) {
                return Optional.empty();
            }
            checkpointer.save(finalKey, end.epoch(), true, checkpointer.lastMetrics);
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
        /** The latest checkpoint of the published chain, the parent of the next one. */
        private String previous;
        /** The resume point the next save supersedes, if any. */
        private String resumePoint;
        /** The latest epoch's metrics, which the final checkpoint repeats. */
        private Map<String, Double> lastMetrics;
        /** The stabiliser counts of the run's completed epochs. */
        private Stabilisers firedBefore;

        Checkpointer(Spec spec, CheckpointStore store, Network network, Preprocessor preprocessor, Sgd optimizer,
                Dataset train, String device, String previous, String resumePoint, Map<String, Double> lastMetrics,
                Stabilisers firedBefore, Events events) {
            this.spec = spec;
            this.store = store;
            this.network = network;
            this.preprocessor = preprocessor;
            this.optimizer = optimizer;
            this.train = train;
            this.device = device;
            this.previous = previous;
            this.resumePoint = resumePoint;
            this.lastMetrics = lastMetrics;
            this.firedBefore = firedBefore;
            this.events = events;
        }

        /** Final checkpoints hold the model only; intermediate ones also the momentum buffers for resuming. */
        void save(String key, int epochs, boolean isFinal, Map<String, Double> metrics) {
            CheckpointMetadata saved = write(key, epochs, 0, isFinal, metrics);
            previous = key;
            lastMetrics = metrics;
            events.checkpointSaved(key, saved);
        }

        /** An epoch's checkpoint: its training loss and accuracy, its stabiliser counts and the run's so far. */
        void saveEpoch(String key, int epochs, double meanLoss, double accuracy, Stabilisers fired) {
            Map<String, Double> metrics = new LinkedHashMap<>();
            metrics.put("trainLoss", meanLoss);
            metrics.put("trainAccuracy", accuracy);
            firedBefore = firedBefore.plus(fired);
            metrics.putAll(Stabilisers.metrics(fired, firedBefore));
            save(key, epochs, false, metrics);
        }

        void saveResumePoint(Trainer.Position next, Trainer.Tally soFar) {
            String key = CheckpointStore.keyFor(spec.runId(), next.epoch(), next.step(), false);
            Map<String, Double> metrics = new LinkedHashMap<>(Map.of(LOSS_SUM, soFar.lossSum(),
                    CORRECT, (double) soFar.correct(), SEEN, (double) soFar.seen()));
            metrics.putAll(Stabilisers.metrics(soFar.fired(), firedBefore.plus(soFar.fired())));
            write(key, next.epoch(), next.step(), false, metrics);
            resumePoint = key;
            events.resumePointSaved(key, next);
        }

        /** The preprocessor's kind, after how the dataset shaped its images where it did (an image folder). */
        private String preprocessing() {
            String kind = preprocessor.kind().id();
            return train.preparation() == null ? kind : train.preparation() + Preprocessing.AFTER_PREPARATION + kind;
        }

        /** Writes a checkpoint, then deletes the resume point it supersedes (new first: a crash loses neither). */
        private CheckpointMetadata write(String key, int epochs, int step, boolean isFinal,
                Map<String, Double> metrics) {
            CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, spec.runId(),
                    spec.architecture().id(), spec.dataset().id(), spec.config().method().id(), preprocessing(),
                    new int[] {train.channels(), train.height(), train.width()}, train.numClasses(),
                    spec.config().toMap(), epochs, step, spec.config().seed(), metrics, isFinal, device,
                    Instant.now().toString(), previous, null);
            try {
                CheckpointMetadata saved = ModelCheckpoints.save(store, key, network, preprocessor,
                        isFinal ? null : optimizer, meta);
                if (resumePoint != null) {
                    store.delete(resumePoint);
                    resumePoint = null;
                }
                return saved;
            } catch (IOException e) {
                throw new UncheckedIOException("could not save checkpoint " + key, e);
            }
        }
    }

    public record Saved(String key, CheckpointMetadata metadata) {}
}
