package org.deepdefense.attack.service;

import ai.djl.ndarray.NDManager;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.metrics.Progress;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.ModelCheckpoints;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Runs a checkpoint's attacks on its test split. Blocking and heavy: called on the consumer's worker thread,
 * never on the Kafka event loop.
 */
@ApplicationScoped
public class AttackRunner {

    /** Fractions of ε_ref at which FGS accuracy is reported, as in the paper. */
    private static final double[] FGS_RATIOS = {0.2, 0.5, 1.0};

    private final CheckpointStore store;
    private final Optional<Path> dataDir;
    private final int batchSize;
    private final int deepFoolIterations;
    private final List<Double> pgdEpsilons;
    private final int pgdSteps;
    private final MeterRegistry registry;
    private final Map<String, AtomicReference<Double>> imagesPerSecond = new ConcurrentHashMap<>();

    AttackRunner(@ConfigProperty(name = "deepdefense.store.root") Path storeRoot,
            @ConfigProperty(name = "deepdefense.data.dir") Optional<Path> dataDir,
            @ConfigProperty(name = "deepdefense.attack.batch-size", defaultValue = "100") int batchSize,
            @ConfigProperty(name = "deepdefense.attack.deepfool-iterations", defaultValue = "50") int deepFoolIterations,
            @ConfigProperty(name = "deepdefense.attack.pgd-eps", defaultValue = "0.1,0.3") List<Double> pgdEpsilons,
            @ConfigProperty(name = "deepdefense.attack.pgd-steps", defaultValue = "20") int pgdSteps,
            MeterRegistry registry) throws IOException {
        this.store = new CheckpointStore(storeRoot);
        this.dataDir = dataDir;
        this.batchSize = batchSize;
        this.deepFoolIterations = deepFoolIterations;
        this.pgdEpsilons = pgdEpsilons;
        this.pgdSteps = pgdSteps;
        this.registry = registry;
    }

    /**
     * Verifies and loads the checkpoint and its test split, then runs {@code attacks} one after the other,
     * handing each result to {@code publish} as soon as it is measured.
     *
     * @throws IOException for a missing or corrupt checkpoint (a {@code ChecksumMismatchException} when its
     *                     sha256 differs from the message's) or missing dataset files
     */
    public void run(CheckpointPublished checkpoint, List<String> attacks, Consumer<AttackResult> publish)
            throws IOException {
        Architecture architecture = Architecture.parse(checkpoint.architecture());
        Dataset test = DataSource.load(DatasetName.parse(checkpoint.dataset()), Split.TEST, dataDir.orElse(null),
                testSubset(checkpoint), architecture);
        try (NDManager manager = NDManager.newBaseManager();
                ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, checkpoint.storeKey(),
                        checkpoint.sha256(), manager)) {
            RobustnessEvaluator evaluator = new RobustnessEvaluator(model.network(), model.preprocessor(), batchSize);
            double clean = evaluator.cleanAccuracy(test);
            for (String attack : attacks) {
                long begun = System.nanoTime();
                Map<String, Double> values = new LinkedHashMap<>(measure(evaluator, attack, test));
                values.put("cleanAccuracy", clean);
                long nanos = System.nanoTime() - begun;
                record(attack, nanos, test.size());
                publish.accept(new AttackResult(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(),
                        attack, values, test.size(), nanos / 1e9, Instant.now().toString()));
            }
        }
    }

    private Map<String, Double> measure(RobustnessEvaluator evaluator, String attack, Dataset test) {
        Map<String, Double> values = new LinkedHashMap<>();
        switch (attack) {
            case "deepfool" -> {
                var summary = evaluator.deepFool(test, deepFoolIterations, DeepFool.DEFAULT_OVERSHOOT, Progress.NONE);
                values.put("rho2", summary.rho2());
                values.put("unconverged", (double) summary.unconverged());
                values.put("meanIterations", summary.meanIterations());
            }
            case "fgs" -> {
                RobustnessEvaluator.FgsSweep sweep = evaluator.fgsSweep(test, Progress.NONE);
                // Null when no ε up to the search cap fools half the test set: then there is nothing to report.
                Double epsRef = sweep.epsRef(0.5, Progress.NONE);
                if (epsRef != null) {
                    values.put("epsRef", epsRef);
                    for (double ratio : FGS_RATIOS) {
                        values.put(String.format(Locale.ROOT, "acc_%.1f", ratio), sweep.accuracyAt(ratio * epsRef));
                    }
                }
            }
            case "pgd-linf" -> {
                for (double eps : pgdEpsilons) {
                    values.put(String.format(Locale.ROOT, "acc_%s", eps),
                            evaluator.pgdAccuracy(test, eps, pgdSteps, 1, Progress.NONE));
                }
            }
            default -> throw new IllegalArgumentException("unknown attack '" + attack + "'");
        }
        return values;
    }

    private void record(String attack, long nanos, int images) {
        Timer.builder("deepdefense.attack.duration").tag("attack", attack)
                .description("Wall-clock time of one attack on one checkpoint").register(registry)
                .record(nanos, TimeUnit.NANOSECONDS);
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
}
