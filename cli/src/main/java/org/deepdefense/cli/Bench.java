package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Network;
import org.deepdefense.train.Method;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingConfig;

/**
 * Throughput and memory of vanilla and Deep Defense training steps on generated inputs of the architecture's usual
 * shape ({@link Architecture#usualInputShape()}). Prints one JSON line; the RSS figures show whether memory stays
 * flat over the Deep Defense steps.
 */
final class Bench {

    private Bench() {}

    static void run(Args args) throws IOException {
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        int steps = args.integer("steps", 200);
        int batchSize = args.integer("batch-size", 100);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        // Steps before timing starts, so that one-off allocations and JIT do not count; fewer for the large networks,
        // whose Deep Defense steps take seconds each.
        int warmup = args.integer("warmup", 10);
        if (warmup < 1) {
            throw new IllegalArgumentException("--warmup must be at least 1 (timing starts after it), got " + warmup);
        }
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Engines.configureThreads(threads);
        int[] shape = architecture.usualInputShape();
        int channels = shape[0];
        int size = shape[1];
        // Enough distinct batches for the warm-up and measured steps of one epoch, capped for 224×224 images.
        int images = Math.max(batchSize * 10, Math.min(1000, batchSize * (warmup + steps)));
        Dataset data = GeneratedDataset.create(images, channels, size, size, 10, 1);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        try (NDManager root = Engines.newManager(device);
                Network network = Network.create(architecture, channels, size, size, 10, 1, root)) {
            Measured vanilla = throughput(network, Method.VANILLA, data, preprocessor, batchSize, warmup, steps, null);
            long[] rss = new long[3];
            Measured deepDefense = throughput(network, Method.DEEPDEFENSE, data, preprocessor, batchSize, warmup, steps,
                    rss);
            System.out.println(String.format(Locale.ROOT,
                    "{\"arch\":\"%s\",\"parameters\":%d,\"threads\":%d,\"batch_size\":%d,\"steps\":%d,\"device\":\"%s\","
                            + "\"vanilla_img_s\":%.1f,\"deepdefense_img_s\":%.1f,\"vanilla_host_transfers_per_step\":%.1f,"
                            + "\"deepdefense_host_transfers_per_step\":%.1f,\"rss_start_mb\":%d,"
                            + "\"rss_step100_mb\":%s,\"rss_end_mb\":%d}",
                    architecture.id(), parameterCount(network), threads, batchSize, steps, root.getDevice(), vanilla.imagesPerSecond(),
                    deepDefense.imagesPerSecond(), vanilla.transfersPerStep(), deepDefense.transfersPerStep(), rss[0],
                    steps >= 100 ? Long.toString(rss[1]) : "null", rss[2]));
        }
    }

    /** Trainable values (weights and biases, not BatchNorm's running statistics). */
    private static long parameterCount(Network network) {
        return network.parameters().stream().filter(p -> p.trainable()).mapToLong(p -> p.value().size()).sum();
    }

    /** Images per second and device-to-host copies per step ({@link HostTransfers}). */
    private record Measured(double imagesPerSecond, double transfersPerStep) {}

    /**
     * Throughput over {@code steps} steps after {@code warmup} steps; when {@code rss} is given it receives the
     * resident set size (MiB) at the first measured step, after 100 measured steps, and at the end.
     */
    private static Measured throughput(Network network, Method method, Dataset data, Preprocessor preprocessor,
            int batchSize, int warmup, int steps, long[] rss) {
        // Learning-rate halving only touches the last of these never-reached epochs.
        TrainingConfig config = TrainingConfig.defaults(method).withEpochs(Integer.MAX_VALUE / 2)
                .withBatchSize(batchSize).withLearningRate(1e-4);
        try (Trainer trainer = new Trainer(network, config, preprocessor)) {
            long[] begun = new long[1];
            long[] transfers = new long[1];
            int[] count = new int[1];
            int stepsPerEpoch = trainer.stepsPerEpoch(data);
            trainer.run(data, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    count[0]++;
                    if (count[0] == warmup) {
                        begun[0] = System.nanoTime();
                        transfers[0] = HostTransfers.count();
                    }
                    if (rss != null && (count[0] == warmup || count[0] == warmup + 100)) {
                        rss[count[0] == warmup ? 0 : 1] = residentMegabytes();
                    }
                    return count[0] < warmup + steps;
                }
            });
            double seconds = (System.nanoTime() - begun[0]) / 1e9;
            if (rss != null) {
                rss[2] = residentMegabytes();
            }
            return new Measured(steps * batchSize / seconds,
                    (HostTransfers.count() - transfers[0]) / (double) steps);
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
