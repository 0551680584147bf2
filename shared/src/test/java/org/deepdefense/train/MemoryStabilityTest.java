package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;

/**
 * Deep Defense steps build a large graph (five unrolled DeepFool iterations with inverse passes); every array of
 * a step must be freed with it. Resident memory may grow by less than 5 % between step 100 and step 1000.
 */
class MemoryStabilityTest {

    /**
     * Runs in a child JVM whose Java heap is committed up front (-Xms = -Xmx, pre-touched): otherwise the heap's
     * own growth towards -Xmx shows up in the resident set and hides what the native (PyTorch) side does.
     */
    @Test
    void residentMemoryStaysFlatOverAThousandDeepDefenseSteps() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-Dai.djl.offline=true", "-cp", classpath,
                MemoryStabilityTest.class.getName())
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes());
        assertTrue(child.waitFor() == 0, "probe failed:\n" + output);
        String line = output.lines().filter(l -> l.startsWith("RSS ")).findFirst().orElseThrow();
        System.out.println(line);
        String[] parts = line.split(" ");
        long atStep100 = Long.parseLong(parts[1]);
        long atStep1000 = Long.parseLong(parts[2]);
        assertTrue(atStep1000 < atStep100 * 1.05, "RSS grew from " + atStep100 + " kB to " + atStep1000 + " kB");
    }

    /** The probe: prints "RSS <kB at step 100> <kB at step 1000>". */
    public static void main(String[] args) {
        Dataset data = GeneratedDataset.create(2000, 1, 28, 28, 10, 3);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        long[] rss = new long[2];
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 3, root);
                Trainer trainer = new Trainer(network, TrainingConfig.defaults(Method.DEEPDEFENSE).withEpochs(50),
                        preprocessor)) {
            int[] steps = {0};
            trainer.run(data, new Trainer.Position(0, 0), new Trainer.Listener() {
                @Override
                public boolean onStep(Trainer.StepReport report) {
                    steps[0]++;
                    if (steps[0] == 100 || steps[0] == 1000) {
                        rss[steps[0] == 100 ? 0 : 1] = residentKilobytes();
                    }
                    return steps[0] < 1000;
                }
            });
        }
        System.out.println("RSS " + rss[0] + " " + rss[1]);
    }

    private static long residentKilobytes() {
        try {
            return Files.readAllLines(Path.of("/proc/self/status")).stream()
                    .filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
                    .findFirst().orElseThrow();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
