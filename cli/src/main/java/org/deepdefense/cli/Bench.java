package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.AttackSummary;
import org.deepdefense.metrics.Progress;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Network;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.ModelCheckpoints;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingConfig;

/**
 * Throughput and memory of training steps and attacks, printed as one JSON line. Four tasks:
 * <ul>
 *   <li>{@code generated} (no {@code --from}): vanilla and Deep Defense steps of a fresh network on generated inputs
 *       of the architecture's usual shape; quick, needs no files, but a barely trained network is an easier
 *       workload than the real one (its DeepFool finishes early);</li>
 *   <li>{@code fine-tune} ({@code --from KEY}): the real task, fine-tuning a checkpoint on its own dataset's training
 *       split with {@code --method}, next to vanilla steps of the same checkpoint;</li>
 *   <li>{@code evaluate} ({@code --from KEY --evaluate deepfool,apgd-ce}): each attack alone on the first
 *       {@code --test-subset} test images;</li>
 *   <li>{@code whitening-fit} ({@code --whitening-fit N}): fitting the official CIFAR-10 preprocessing (contrast
 *       normalisation and ZCA whitening, its 3072×3072 eigendecomposition) on N generated 3×32×32 images, and
 *       applying it to one batch.</li>
 * </ul>
 * The RSS figures show whether memory stays flat over the measured steps.
 */
final class Bench {
    /** Step at which the steady-state RSS is taken: allocator pools have filled by then. */
    private static final int STEADY_STEP = 500;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Bench() {}

    static void run(Args args) throws IOException {
        String from = args.string("from", null);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        int batchSize = args.integer("batch-size", 100);
        Integer whiteningImages = args.optionalInteger("whitening-fit");
        if (whiteningImages != null) {
            whiteningFit(args, whiteningImages, threads, batchSize);
            return;
        }
        if (from == null) {
            generated(args, threads, batchSize);
            return;
        }
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        Path dataDir = args.path("data-dir", null);
        String evaluate = args.string("evaluate", null);
        if (evaluate != null) {
            evaluation(args, store, from, dataDir, Arrays.asList(evaluate.split(",")), threads, batchSize);
        } else {
            fineTuning(args, store, from, dataDir, threads, batchSize);
        }
    }

    /** The preprocessing maths runs on fork-join threads, so a pool of {@code threads} stands in for the engine's. */
    private static void whiteningFit(Args args, int images, int threads, int batchSize) throws IOException {
        args.requireAllUsed();
        if (images < 2) {
            throw new Args.UsageException("--whitening-fit needs at least 2 images, got " + images);
        }
        Dataset data = GeneratedDataset.create(images, 3, 32, 32, 10, 1);
        int[] batch = IntStream.range(0, Math.min(batchSize, images)).toArray();
        ForkJoinPool pool = new ForkJoinPool(threads);
        try {
            long begun = System.nanoTime();
            Preprocessor fitted = pool.submit(() -> Preprocessor.fit(Preprocessing.OFFICIAL_CIFAR, data)).get();
            double fitSeconds = (System.nanoTime() - begun) / 1e9;
            begun = System.nanoTime();
            pool.submit(() -> fitted.apply(data, batch)).get();
            double applySeconds = (System.nanoTime() - begun) / 1e9;
            System.out.println(String.format(Locale.ROOT,
                    "{\"task\":\"whitening-fit\",\"images\":%d,\"features\":%d,\"path\":\"%s\",\"threads\":%d,"
                            + "\"fit_s\":%.2f,\"batch_size\":%d,\"apply_batch_s\":%.3f}",
                    images, data.featureSize(), images >= data.featureSize() ? "second-moments" : "image-gram",
                    threads, fitSeconds, batch.length, applySeconds));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while fitting the whitening", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IOException("fitting the whitening failed", e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    private static void generated(Args args, int threads, int batchSize) {
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        int steps = args.integer("steps", 200);
        // Fewer for the large networks, whose Deep Defense steps take seconds each.
        int warmup = warmup(args);
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Engines.configureThreads(threads);
        int[] shape = architecture.usualInputShape();
        // Enough distinct batches for the warm-up and measured steps of one epoch, capped for 224×224 images.
        int images = Math.max(batchSize * 10, Math.min(1000, batchSize * (warmup + steps)));
        Dataset data = GeneratedDataset.create(images, shape[0], shape[1], shape[2], 10, 1);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        try (NDManager root = Engines.newManager(device);
                Network network = Network.create(architecture, shape[0], shape[1], shape[2], 10, 1, root)) {
            Measured vanilla = throughput(network, Method.VANILLA, data, preprocessor, batchSize, warmup, steps);
            Measured deepDefense = throughput(network, Method.DEEPDEFENSE, data, preprocessor, batchSize, warmup,
                    steps);
            System.out.println(String.format(Locale.ROOT,
                    "{\"task\":\"generated\",\"arch\":\"%s\",\"parameters\":%d,\"threads\":%d,\"batch_size\":%d,"
                            + "\"steps\":%d,\"device\":\"%s\",\"vanilla_img_s\":%.1f,\"deepdefense_img_s\":%.1f,"
                            + "\"deepdefense_vanilla_step_ratio\":%.2f,\"vanilla_host_transfers_per_step\":%.1f,"
                            + "\"deepdefense_host_transfers_per_step\":%.1f,%s}",
                    architecture.id(), parameterCount(network), threads, batchSize, steps, root.getDevice(),
                    vanilla.imagesPerSecond(), deepDefense.imagesPerSecond(),
                    vanilla.imagesPerSecond() / deepDefense.imagesPerSecond(), vanilla.transfersPerStep(),
                    deepDefense.transfersPerStep(), deepDefense.rssJson()));
        }
    }

    /** The real task: steps of {@code --method} and of vanilla training, each from the checkpoint's weights. */
    private static void fineTuning(Args args, CheckpointStore store, String from, Path dataDir, int threads,
            int batchSize) throws IOException {
        Method method = Method.parse(args.string("method", "deepdefense"));
        int steps = args.integer("steps", 200);
        int warmup = warmup(args);
        int vanillaSteps = args.integer("vanilla-steps", Math.min(steps, 500));
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Engines.configureThreads(threads);
        try (NDManager root = Engines.newManager(device)) {
            Dataset train;
            String arch;
            String dataset;
            long parameters;
            Measured vanilla;
            try (ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, from, null, root)) {
                CheckpointMetadata meta = model.checkpoint().metadata();
                arch = meta.architecture();
                dataset = meta.dataset();
                train = DataSource.load(DatasetName.parse(meta.dataset()), Split.TRAIN, dataDir, null,
                        Architecture.parse(arch));
                parameters = parameterCount(model.network());
                vanilla = throughput(model.network(), Method.VANILLA, train, model.preprocessor(), batchSize, warmup,
                        vanillaSteps);
            }
            Measured measured;
            try (ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, from, null, root)) {
                measured = throughput(model.network(), method, train, model.preprocessor(), batchSize, warmup, steps);
            }
            System.out.println(String.format(Locale.ROOT,
                    "{\"task\":\"fine-tune\",\"from\":\"%s\",\"dataset\":\"%s\",\"arch\":\"%s\",\"method\":\"%s\","
                            + "\"parameters\":%d,\"threads\":%d,\"batch_size\":%d,\"steps\":%d,\"device\":\"%s\","
                            + "\"img_s\":%.1f,\"vanilla_img_s\":%.1f,\"vanilla_step_ratio\":%.2f,"
                            + "\"host_transfers_per_step\":%.1f,%s}",
                    from, dataset, arch, method.id(), parameters, threads, batchSize, steps, root.getDevice(),
                    measured.imagesPerSecond(), vanilla.imagesPerSecond(),
                    vanilla.imagesPerSecond() / measured.imagesPerSecond(), measured.transfersPerStep(),
                    measured.rssJson()));
        }
    }

    /** Each attack alone on the first test images, timed as the evaluator times it. */
    private static void evaluation(Args args, CheckpointStore store, String from, Path dataDir, List<String> attacks,
            int threads, int batchSize) throws IOException {
        int subset = args.integer("test-subset", 500);
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Engines.configureThreads(threads);
        try (NDManager root = Engines.newManager(device);
                ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, from, null, root)) {
            CheckpointMetadata meta = model.checkpoint().metadata();
            Dataset test = DataSource.load(DatasetName.parse(meta.dataset()), Split.TEST, dataDir, subset,
                    Architecture.parse(meta.architecture()));
            RobustnessEvaluator evaluator = new RobustnessEvaluator(model.network(), model.preprocessor(), batchSize);
            List<String> results = new ArrayList<>();
            for (String name : attacks) {
                String attack = name.trim();
                // A report needs DeepFool's ρ₂; its time is reported apart, so the named attack's own figure stands.
                List<String> suite = attack.equals("deepfool") ? List.of(attack) : List.of("deepfool", attack);
                RobustnessReport report = evaluator.evaluate(test, meta.dataset(), meta.method(),
                        RobustnessEvaluator.Options.suite("standard").withAttacks(suite), Progress.NONE);
                AttackSummary summary = report.attacks().stream().filter(a -> a.name().equals(attack)).findFirst()
                        .orElseThrow();
                results.add(String.format(Locale.ROOT,
                        "{\"attack\":\"%s\",\"seconds\":%.2f,\"img_s\":%.1f,\"rho2\":%.6f,\"robust_accuracy\":%s}",
                        summary.name(), summary.seconds(), summary.imagesPerSecond(), report.rho2(),
                        JSON.writeValueAsString(report.robustAccuracy())));
            }
            System.out.println(String.format(Locale.ROOT,
                    "{\"task\":\"evaluate\",\"from\":\"%s\",\"dataset\":\"%s\",\"arch\":\"%s\",\"threads\":%d,"
                            + "\"batch_size\":%d,\"test_images\":%d,\"device\":\"%s\",\"attacks\":[%s]}",
                    from, meta.dataset(), meta.architecture(), threads, batchSize, test.size(), root.getDevice(),
                    String.join(",", results)));
        }
    }

    private static int warmup(Args args) {
        int warmup = args.integer("warmup", 10);
        if (warmup < 1) {
            throw new IllegalArgumentException("--warmup must be at least 1 (timing starts after it), got " + warmup);
        }
        return warmup;
    }

    /** Trainable values (weights and biases, not BatchNorm's running statistics). */
    private static long parameterCount(Network network) {
        return network.parameters().stream().filter(p -> p.trainable()).mapToLong(p -> p.value().size()).sum();
    }

    /**
     * Images per second and device-to-host copies per step ({@link HostTransfers}); resident set size (MiB) at the
     * first measured step, at measured step {@value #STEADY_STEP} (−1 if the run was shorter) and at the end.
     */
    private record Measured(double imagesPerSecond, double transfersPerStep, long rssStart, long rssSteady,
            long rssEnd) {
        String rssJson() {
            String growth = rssSteady < 0 ? "null"
                    : String.format(Locale.ROOT, "%.2f", 100.0 * (rssEnd - rssSteady) / rssSteady);
            return String.format(Locale.ROOT,
                    "\"rss_start_mb\":%d,\"rss_step%d_mb\":%s,\"rss_end_mb\":%d,\"rss_growth_after_step%d_pct\":%s",
                    rssStart, STEADY_STEP, rssSteady < 0 ? "null" : Long.toString(rssSteady), rssEnd, STEADY_STEP,
                    growth);
        }
    }

    /** Throughput over {@code steps} steps after {@code warmup} steps, epochs following one another as in a run. */
    private static Measured throughput(Network network, Method method, Dataset data, Preprocessor preprocessor,
            int batchSize, int warmup, int steps) {
        // Learning-rate halving only touches the last of these never-reached epochs.
        TrainingConfig config = TrainingConfig.defaults(method).withEpochs(Integer.MAX_VALUE / 2)
                .withBatchSize(batchSize);
        try (Trainer trainer = new Trainer(network, config, preprocessor)) {
            long[] begun = new long[1];
            long[] transfers = new long[1];
            long[] rss = {0, -1};
            int[] count = new int[1];
            trainer.run(data, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    count[0]++;
                    if (count[0] == warmup) {
                        begun[0] = System.nanoTime();
                        transfers[0] = HostTransfers.count();
                        rss[0] = residentMegabytes();
                    }
                    if (count[0] == warmup + STEADY_STEP) {
                        rss[1] = residentMegabytes();
                    }
                    return count[0] < warmup + steps;
                }
            });
            double seconds = (System.nanoTime() - begun[0]) / 1e9;
            return new Measured(steps * batchSize / seconds, (HostTransfers.count() - transfers[0]) / (double) steps,
                    rss[0], rss[1], residentMegabytes());
        }
    }

    /** Resident set size of this process (Linux), in MiB. */
    static long residentMegabytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
