package org.deepdefense.attack.service;

import ai.djl.ndarray.NDManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.AttackSuite;
import org.deepdefense.attack.Attacks;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.messages.AttackShard;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.PackedOutcomes;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.Progress;
import org.deepdefense.metrics.SampleOutcomes;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.nn.GradMode;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.ModelCheckpoints;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Splits a checkpoint's attacks into shards and runs single shards. Blocking and heavy: called on the consumers'
 * worker threads, never on the Kafka event loop. The model of the last shard stays loaded, since a replica
 * usually gets several shards of the same checkpoint in a row.
 */
@ApplicationScoped
public class AttackRunner {
    private final CheckpointStore store;
    private final Optional<Path> dataDir;
    private final Optional<Path> imageFolders;
    private final EvaluationOptions options;
    private final int shardSize;
    private final MeterRegistry registry;
    private final DeviceChoice device;
    /** The largest test set a checkpoint or shard may name: a record asking for more is refused before loading. */
    private final int maxTestImages;
    private final Map<String, AtomicReference<Double>> imagesPerSecond = new ConcurrentHashMap<>();
    private Model model;

    /** A loaded checkpoint and its test set. */
    private record Model(AttackShard shard, NDManager manager, ModelCheckpoints.Loaded loaded, Dataset test)
            implements AutoCloseable {
        boolean serves(AttackShard other) {
            return shard.storeKey().equals(other.storeKey()) && shard.sha256().equals(other.sha256())
                    && shard.dataset().equals(other.dataset())
                    && Objects.equals(shard.datasetRoot(), other.datasetRoot())
                    && Objects.equals(shard.testSubset(), other.testSubset());
        }

        @Override
        public void close() {
            loaded.close();
            manager.close();
        }
    }

    AttackRunner(@ConfigProperty(name = "deepdefense.store.root") Path storeRoot,
            @ConfigProperty(name = "deepdefense.data.dir") Optional<Path> dataDir,
            @ConfigProperty(name = "deepdefense.image-folders.dir") Optional<Path> imageFolders,
            @ConfigProperty(name = "deepdefense.attack.batch-size", defaultValue = "100") int batchSize,
            @ConfigProperty(name = "deepdefense.attack.shard-size", defaultValue = "1000") int shardSize,
            @ConfigProperty(name = "deepdefense.attack.deepfool-iterations", defaultValue = "50") int deepFoolIterations,
            @ConfigProperty(name = "deepdefense.attack.linf-eps", defaultValue = "25.5,51") List<Double> linfBudgets,
            @ConfigProperty(name = "deepdefense.attack.l2-eps", defaultValue = "382.5,765") List<Double> l2Budgets,
            @ConfigProperty(name = "deepdefense.attack.pgd-steps", defaultValue = "20") int pgdSteps,
            @ConfigProperty(name = "deepdefense.attack.apgd-iterations", defaultValue = "100") int apgdIterations,
            @ConfigProperty(name = "deepdefense.attack.apgd-targets", defaultValue = "9") int apgdTargets,
            @ConfigProperty(name = "deepdefense.attack.square-queries", defaultValue = "5000") int squareQueries,
            @ConfigProperty(name = "deepdefense.attack.seed", defaultValue = "1") long seed,
            @ConfigProperty(name = "deepdefense.attack.check-stride", defaultValue = "10") int checkStride,
            @ConfigProperty(name = "deepdefense.device", defaultValue = "auto") DeviceChoice device,
            @ConfigProperty(name = "deepdefense.attack.max-test-images", defaultValue = "100000") int maxTestImages,
            MeterRegistry registry) throws IOException {
        if (shardSize < 1 || shardSize % batchSize != 0) {
            // Shard boundaries on batch boundaries: a shard then computes exactly the batches of an unsplit run.
            throw new IllegalArgumentException("deepdefense.attack.shard-size must be a positive multiple of the"
                    + " batch size " + batchSize + ", got " + shardSize);
        }
        this.store = new CheckpointStore(storeRoot);
        this.dataDir = dataDir;
        this.imageFolders = imageFolders;
        this.options = new EvaluationOptions(batchSize, deepFoolIterations, DeepFool.DEFAULT_OVERSHOOT, linfBudgets,
                l2Budgets, pgdSteps, apgdIterations, apgdTargets, squareQueries, seed, checkStride);
        this.shardSize = shardSize;
        this.registry = registry;
        this.device = device;
        this.maxTestImages = maxTestImages;
        device.resolve(); // gpu where DJL finds no CUDA: refuse to start, with the reason
    }

    /**
     * The shards of a checkpoint's attacks, attack after attack, each over {@code shard-size} test images.
     *
     * @throws IOException for a missing or corrupt checkpoint (a {@code ChecksumMismatchException} when its
     *                     sha256 differs from the message's) or missing dataset files
     */
    public List<AttackShard> split(CheckpointPublished checkpoint) throws IOException {
        // Refuse a bad checkpoint, or a suite its class count does not allow, once, not in every shard.
        int classes = store.load(checkpoint.storeKey(), checkpoint.sha256()).metadata().numClasses();
        List<String> attacks = AttackSuite.expand(checkpoint.attacks());
        Attacks.requireApplicable(attacks, classes);
        Integer testSubset = testSubset(checkpoint);
        requireAtMost("metadata.testSubset", testSubset, maxTestImages);
        int samples = testSet(checkpoint.dataset(), checkpoint.datasetRoot(), checkpoint.architecture(), testSubset)
                .size();
        List<int[]> ranges = ranges(samples, shardSize);
        List<AttackShard> shards = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            shards.add(new AttackShard(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(),
                    checkpoint.storeKey(), checkpoint.sha256(), checkpoint.architecture(), checkpoint.dataset(),
                    checkpoint.datasetRoot(), testSubset, attacks, i, ranges.size(), ranges.get(i)[0],
                    ranges.get(i)[1], options));
        }
        return shards;
    }

    /**
     * Runs one shard: the same shard always gives the same values.
     *
     * @throws IOException              for a missing or corrupt checkpoint or missing dataset files
     * @throws IllegalArgumentException for a shard outside the checkpoint's test set
     */
    public synchronized ShardResult run(AttackShard shard) throws IOException {
        requireWithinLimits(shard);
        long begun = System.nanoTime();
        // The engine may have started on another thread (the device check at start-up).
        GradMode.disableOnThisThread();
        Model current = load(shard);
        EvaluationOptions o = shard.options();
        SampleOutcomes outcomes = new RobustnessEvaluator(current.loaded().network(), current.loaded().preprocessor(),
                o.batchSize()).outcomes(current.test(), shard.from(), shard.to(), o.evaluatorOptions(shard.attacks()),
                Progress.NONE);
        long nanos = System.nanoTime() - begun;
        outcomes.seconds().forEach((attack, seconds) -> record(attack, seconds, shard.to() - shard.from()));
        return new ShardResult(Messages.SCHEMA_VERSION, shard.runId(), shard.checkpointId(), shard.attacks(),
                shard.shard(), shard.shards(), shard.from(), shard.to(), PackedOutcomes.of(outcomes), o, nanos / 1e9,
                Instant.now().toString());
    }

    /**
     * A shard's settings come from a record, so anyone who can write to the topic chooses its cost: each may ask for
     * less than this replica's configuration, never more (memory and time per shard stay bounded).
     *
     * @throws IllegalArgumentException naming the setting, the value asked and the limit
     */
    private void requireWithinLimits(AttackShard shard) {
        EvaluationOptions asked = shard.options();
        requireAtMost("testSubset", shard.testSubset(), maxTestImages);
        requireAtMost("to - from", shard.to() - shard.from(), shardSize);
        requireAtMost("options.batchSize", asked.batchSize(), options.batchSize());
        requireAtMost("options.deepFoolIterations", asked.deepFoolIterations(), options.deepFoolIterations());
        requireAtMost("options.pgdSteps", asked.pgdSteps(), options.pgdSteps());
        requireAtMost("options.apgdIterations", asked.apgdIterations(), options.apgdIterations());
        requireAtMost("options.apgdTargets", asked.apgdTargets(), options.apgdTargets());
        requireAtMost("options.squareQueries", asked.squareQueries(), options.squareQueries());
        requireAtMost("options.linfBudgets (count)", asked.linfBudgets().size(), options.linfBudgets().size());
        requireAtMost("options.l2Budgets (count)", asked.l2Budgets().size(), options.l2Budgets().size());
    }

    private static void requireAtMost(String setting, Integer asked, int limit) {
        if (asked != null && asked > limit) {
            throw new IllegalArgumentException(setting + " " + asked + " is over this replica's limit " + limit);
        }
    }

    /** {@code [from, to)} ranges of {@code shardSize} images (the last may be shorter) covering {@code samples}. */
    static List<int[]> ranges(int samples, int shardSize) {
        List<int[]> ranges = new ArrayList<>();
        for (int from = 0; from < samples; from += shardSize) {
            ranges.add(new int[] {from, Math.min(samples, from + shardSize)});
        }
        return ranges;
    }

    private Model load(AttackShard shard) throws IOException {
        if (model != null && model.serves(shard)) {
            return model;
        }
        closeModel();
        Dataset test = testSet(shard.dataset(), shard.datasetRoot(), shard.architecture(), shard.testSubset());
        NDManager manager = device.newManager();
        try {
            model = new Model(shard, manager, ModelCheckpoints.load(store, shard.storeKey(), shard.sha256(), manager),
                    test);
            return model;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private Dataset testSet(String dataset, String datasetRoot, String architecture, Integer testSubset)
            throws IOException {
        return DataSource.load(DatasetName.parse(dataset), Split.TEST,
                DataSource.directory(dataDir.orElse(null), imageFolders.orElse(null), datasetRoot), testSubset,
                Architecture.parse(architecture));
    }

    /** {@code attack}: "name/norm" as the evaluator's outcomes time it. */
    private void record(String attack, double seconds, int images) {
        long nanos = Math.round(seconds * 1e9);
        Timer.builder("deepdefense.attack.duration").tag("attack", attack)
                .description("Wall-clock time of one attack on one shard of a checkpoint's test set")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        imagesPerSecond.computeIfAbsent(attack, a -> {
            AtomicReference<Double> holder = new AtomicReference<>(0.0);
            registry.gauge("deepdefense.attack.images.per.second", Tags.of("attack", a), holder, AtomicReference::get);
            return holder;
        }).set(seconds > 0 ? images / seconds : 0);
    }

    /** The message's {@code metadata.testSubset} if it names one; else the whole test split. */
    private static Integer testSubset(CheckpointPublished checkpoint) {
        Object subset = checkpoint.metadata().get("testSubset");
        if (subset == null) {
            return null;
        }
        if (!(subset instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1) {
            throw new IllegalArgumentException("metadata.testSubset must be a positive integer, got " + subset);
        }
        return n.intValue();
    }

    @PreDestroy
    synchronized void closeModel() {
        if (model != null) {
            model.close();
            model = null;
        }
    }
}
