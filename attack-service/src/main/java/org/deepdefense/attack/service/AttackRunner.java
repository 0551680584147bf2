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
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.Pgd;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.messages.AttackShard;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.FgsGrid;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.ShardEvaluator;
import org.deepdefense.metrics.ShardMerger;
import org.deepdefense.nn.Architecture;
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
    private final EvaluationOptions options;
    private final int shardSize;
    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> imagesPerSecond = new ConcurrentHashMap<>();
    private Model model;

    /** A loaded checkpoint and its test set. */
    private record Model(AttackShard shard, NDManager manager, ModelCheckpoints.Loaded loaded, Dataset test)
            implements AutoCloseable {
        boolean serves(AttackShard other) {
            return shard.storeKey().equals(other.storeKey()) && shard.sha256().equals(other.sha256())
                    && shard.dataset().equals(other.dataset())
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
            @ConfigProperty(name = "deepdefense.attack.batch-size", defaultValue = "100") int batchSize,
            @ConfigProperty(name = "deepdefense.attack.shard-size", defaultValue = "1000") int shardSize,
            @ConfigProperty(name = "deepdefense.attack.deepfool-iterations", defaultValue = "50") int deepFoolIterations,
            @ConfigProperty(name = "deepdefense.attack.pgd-eps", defaultValue = "0.1,0.3") List<Double> pgdEpsilons,
            @ConfigProperty(name = "deepdefense.attack.pgd-steps", defaultValue = "20") int pgdSteps,
            @ConfigProperty(name = "deepdefense.attack.fgs-grid-min", defaultValue = "0.25") double fgsGridMin,
            @ConfigProperty(name = "deepdefense.attack.fgs-grid-octaves", defaultValue = "14") int fgsGridOctaves,
            @ConfigProperty(name = "deepdefense.attack.fgs-grid-per-octave", defaultValue = "6") int fgsPerOctave,
            MeterRegistry registry) throws IOException {
        if (shardSize < 1 || shardSize % batchSize != 0) {
            // Shard boundaries on batch boundaries: a shard then computes exactly the batches of an unsplit run.
            throw new IllegalArgumentException("deepdefense.attack.shard-size must be a positive multiple of the"
                    + " batch size " + batchSize + ", got " + shardSize);
        }
        this.store = new CheckpointStore(storeRoot);
        this.dataDir = dataDir;
        this.options = new EvaluationOptions(batchSize, deepFoolIterations, DeepFool.DEFAULT_OVERSHOOT,
                pgdEpsilons, pgdSteps, 1, fgsGridMin, fgsGridOctaves, fgsPerOctave);
        this.shardSize = shardSize;
        this.registry = registry;
    }

    /**
     * The shards of a checkpoint's attacks, attack after attack, each over {@code shard-size} test images.
     *
     * @throws IOException for a missing or corrupt checkpoint (a {@code ChecksumMismatchException} when its
     *                     sha256 differs from the message's) or missing dataset files
     */
    public List<AttackShard> split(CheckpointPublished checkpoint) throws IOException {
        store.load(checkpoint.storeKey(), checkpoint.sha256()); // refuse a bad checkpoint once, not in every shard
        Integer testSubset = testSubset(checkpoint);
        int samples = testSet(checkpoint.dataset(), checkpoint.architecture(), testSubset).size();
        List<int[]> ranges = ShardMerger.ranges(samples, shardSize);
        List<AttackShard> shards = new ArrayList<>();
        for (String attack : checkpoint.attacks()) {
            for (int i = 0; i < ranges.size(); i++) {
                shards.add(new AttackShard(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(),
                        checkpoint.storeKey(), checkpoint.sha256(), checkpoint.architecture(), checkpoint.dataset(),
                        testSubset, attack, i, ranges.size(), ranges.get(i)[0], ranges.get(i)[1], options));
            }
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
        long begun = System.nanoTime();
        Model current = load(shard);
        EvaluationOptions o = shard.options();
        RobustnessEvaluator.Options measured = new RobustnessEvaluator.Options(o.deepFoolIterations(),
                o.overshoot(), FgsGrid.RATIOS, null, "self",
                o.pgdEpsilons().stream().mapToDouble(Double::doubleValue).toArray(), o.pgdSteps(),
                Pgd.usualStepFraction(o.pgdSteps()), o.seed(), 0, new double[0], 0, new double[0]);
        ShardEvaluator.Measurement measurement = new ShardEvaluator(current.loaded().network(),
                current.loaded().preprocessor(), o.batchSize(), measured,
                new FgsGrid(o.fgsGridMin(), o.fgsGridOctaves(), o.fgsGridPerOctave()))
                .measure(shard.attack(), current.test(), shard.from(), shard.to());
        long nanos = System.nanoTime() - begun;
        record(shard.attack(), nanos, shard.to() - shard.from());
        return new ShardResult(Messages.SCHEMA_VERSION, shard.runId(), shard.checkpointId(), shard.attack(),
                shard.shard(), shard.shards(), shard.from(), shard.to(), measurement.values(),
                Arrays.stream(measurement.fgsCorrect()).mapToObj(Math::toIntExact).toList(), o, nanos / 1e9,
                Instant.now().toString());
    }

    private Model load(AttackShard shard) throws IOException {
        if (model != null && model.serves(shard)) {
            return model;
        }
        closeModel();
        Dataset test = testSet(shard.dataset(), shard.architecture(), shard.testSubset());
        NDManager manager = NDManager.newBaseManager();
        try {
            model = new Model(shard, manager, ModelCheckpoints.load(store, shard.storeKey(), shard.sha256(), manager),
                    test);
            return model;
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    private Dataset testSet(String dataset, String architecture, Integer testSubset) throws IOException {
        return DataSource.load(DatasetName.parse(dataset), Split.TEST, dataDir.orElse(null), testSubset,
                Architecture.parse(architecture));
    }

    private void record(String attack, long nanos, int images) {
        Timer.builder("deepdefense.attack.duration").tag("attack", attack)
                .description("Wall-clock time of one attack on one shard of a checkpoint's test set")
                .register(registry).record(nanos, TimeUnit.NANOSECONDS);
        imagesPerSecond.computeIfAbsent(attack, a -> {
            AtomicReference<Double> holder = new AtomicReference<>(0.0);
            registry.gauge("deepdefense.attack.images.per.second", Tags.of("attack", a), holder, AtomicReference::get);
            return holder;
        }).set(images / (nanos / 1e9));
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
