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
 * Throughput and memory of vanilla and Deep Defense training steps on generated 1×28×28 inputs. Prints one JSON
 * line; the RSS figures show whether memory stays flat over the Deep Defense steps.
 */
final class Bench {
    /** Steps before timing starts, so that one-off allocations and JIT do not count. */
    private static final int WARMUP_STEPS = 10;

    private Bench() {}

    static void run(Args args) throws IOException {
        Architecture architecture = Architecture.parse(args.string("arch", "mlp"));
        int steps = args.integer("steps", 200);
        int batchSize = args.integer("batch-size", 100);
        int threads = args.integer("threads", Runtime.getRuntime().availableProcessors());
        DeviceChoice device = Engines.device(args);
        args.requireAllUsed();
        Engines.configureThreads(threads);
        boolean convolutional = architecture == Architecture.CONVNET || architecture == Architecture.NIN;
        int channels = convolutional ? 3 : 1;
        int size = convolutional ? 32 : 28;
        Dataset data = GeneratedDataset.create(Math.max(batchSize * 10, 1000), channels, size, size, 10, 1);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        try (NDManager root = Engines.newManager(device);
                Network network = Network.create(architecture, channels, size, size, 10, 1, root)) {
            Measured vanilla = throughput(network, Method.VANILLA, data, preprocessor, batchSize, steps, null);
            long[] rss = new long[3];
            Measured deepDefense = throughput(network, Method.DEEPDEFENSE, data, preprocessor, batchSize, steps, rss);
            System.out.println(String.format(Locale.ROOT,
                    "{\"arch\":\"%s\",\"threads\":%d,\"batch_size\":%d,\"steps\":%d,\"device\":\"%s\","
                            + "\"vanilla_img_s\":%.1f,\"deepdefense_img_s\":%.1f,\"vanilla_host_transfers_per_step\":%.1f,"
                            + "\"deepdefense_host_transfers_per_step\":%.1f,\"rss_start_mb\":%d,"
                            + "\"rss_step100_mb\":%s,\"rss_end_mb\":%d}",
                    architecture.id(), threads, batchSize, steps, root.getDevice(), vanilla.imagesPerSecond(),
                    deepDefense.imagesPerSecond(), vanilla.transfersPerStep(), deepDefense.transfersPerStep(), rss[0],
                    steps >= 100 ? Long.toString(rss[1]) : "null", rss[2]));
        }
    }

    /** Images per second and device-to-host copies per step ({@link HostTransfers}). */
    private record Measured(double imagesPerSecond, double transfersPerStep) {}

    /**
     * Throughput over {@code steps} steps after {@link #WARMUP_STEPS}; when {@code rss} is given it receives the
     * resident set size (MiB) at the first measured step, after 100 measured steps, and at the end.
     */
    private static Measured throughput(Network network, Method method, Dataset data, Preprocessor preprocessor,
            int batchSize, int steps, long[] rss) {
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
                    if (count[0] == WARMUP_STEPS) {
                        begun[0] = System.nanoTime();
                        transfers[0] = HostTransfers.count();
                    }
                    if (rss != null && (count[0] == WARMUP_STEPS || count[0] == WARMUP_STEPS + 100)) {
                        rss[count[0] == WARMUP_STEPS ? 0 : 1] = residentMegabytes();
                    }
                    return count[0] < WARMUP_STEPS + steps;
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
