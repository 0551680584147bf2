package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.deepdefense.Prerequisite;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {
    private static final Function<String, String> NO_ENV = variable -> null;

    @TempDir
    Path dir;

    @Test
    void explicitDirectoryBeatsEnvironmentWhichBeatsDefault() throws IOException {
        Path explicit = TestFiles.writeMnist(dir.resolve("explicit"), 2, 1, true);
        Path fromEnv = TestFiles.writeMnist(dir.resolve("env"), 2, 1, false);
        Function<String, String> env = Map.of(
                "DEEPDEFENSE_MNIST_DIR", fromEnv.toString(),
                "DEEPDEFENSE_FASHION_MNIST_DIR", fromEnv.toString())::get;

        assertEquals(explicit, Datasets.locate(DatasetName.MNIST, explicit, env));
        assertEquals(fromEnv, Datasets.locate(DatasetName.MNIST, null, env));
        assertEquals(fromEnv, Datasets.locate(DatasetName.FASHION_MNIST, null, env));
    }

    @Test
    void incompleteExplicitDirectoryIsAnErrorNotAFallback() throws IOException {
        Path explicit = TestFiles.writeMnist(dir.resolve("explicit"), 2, 1, false);
        Files.delete(explicit.resolve("t10k-labels-idx1-ubyte"));
        Path fromEnv = TestFiles.writeMnist(dir.resolve("env"), 2, 1, false);

        Function<String, String> env = Map.of("DEEPDEFENSE_MNIST_DIR", fromEnv.toString())::get;

        String message = assertNotFound(DatasetName.MNIST, explicit, env);
        assertContains(message, "mnist: missing t10k-labels-idx1-ubyte(.gz) in " + explicit);
        assertContains(message, "(the given data directory)");
        assertContains(message, "https://ossci-datasets.s3.amazonaws.com/mnist/");
        assertContains(message, "DEEPDEFENSE_MNIST_DIR or pass --data-dir");
    }

    @Test
    void saysHowToGetEachDataset() {
        String mnist = assertNotFound(DatasetName.MNIST, null, NO_ENV);
        assertContains(mnist, "mnist: no data directory given");
        assertContains(mnist, "train-images-idx3-ubyte.gz");

        Path absent = dir.resolve("absent");
        Function<String, String> env = Map.of("DEEPDEFENSE_FASHION_MNIST_DIR", absent.toString())::get;
        String fashion = assertNotFound(DatasetName.FASHION_MNIST, null, env);
        assertContains(fashion, "directory " + absent + " ($DEEPDEFENSE_FASHION_MNIST_DIR) does not exist");
        assertContains(fashion, "apt-get install -y dataset-fashion-mnist");

        String cifar = assertNotFound(DatasetName.CIFAR10, dir, NO_ENV);
        assertContains(cifar, "cifar10: missing data_batch_1.bin, data_batch_2.bin, data_batch_3.bin, data_batch_4.bin,"
                + " data_batch_5.bin, test_batch.bin in " + dir);
        assertContains(cifar, "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz");
        assertContains(cifar, "DEEPDEFENSE_CIFAR10_DIR");
    }

    @Test
    void fashionMnistFallsBackToTheDebianPackagesLocation() {
        Path expected = Path.of("/usr/share/datasets/fashion-mnist");
        // Which branch runs depends on whether this machine has the package installed.
        if (Files.isDirectory(expected)) {
            assertEquals(expected, assertDoesNotThrow(() -> Datasets.locate(DatasetName.FASHION_MNIST, null, NO_ENV)));
        } else {
            String message = assertNotFound(DatasetName.FASHION_MNIST, null, NO_ENV);
            assertContains(message, expected + " (the default location) does not exist");
        }
    }

    @Test
    void generatedDataHasNoFiles() {
        assertThrows(IllegalArgumentException.class, () -> Datasets.load(DatasetName.GENERATED, Split.TRAIN, dir));
        assertThrows(IllegalArgumentException.class, () -> Datasets.locate(DatasetName.GENERATED, dir));
    }

    @Test
    void loadsBothSplitsOfEachFormat() throws IOException {
        TestFiles.writeMnist(dir.resolve("mnist"), 5, 3, true);
        Dataset train = Datasets.load(DatasetName.MNIST, Split.TRAIN, dir.resolve("mnist"));
        assertEquals(5, train.size());
        assertEquals("mnist", train.name());
        TestFiles.assertSamples(train, 0);
        assertEquals(3, Datasets.load(DatasetName.MNIST, Split.TEST, dir.resolve("mnist")).size());

        TestFiles.writeCifar(dir.resolve("cifar").resolve("cifar-10-batches-bin"));
        assertEquals(15, Datasets.load(DatasetName.CIFAR10, Split.TRAIN, dir.resolve("cifar")).size());
        assertEquals(4, Datasets.load(DatasetName.CIFAR10, Split.TEST, dir.resolve("cifar")).size());
    }

    /** The real data, where the Debian package dataset-fashion-mnist is installed (CI installs it). */
    @Test
    void loadsInstalledFashionMnist() throws IOException {
        Prerequisite.require(Files.isDirectory(Datasets.FASHION_MNIST_DEFAULT_DIR),
                "Fashion-MNIST not installed (apt-get install -y dataset-fashion-mnist)");
        Path installed = Datasets.FASHION_MNIST_DEFAULT_DIR;
        assertRealSplit(Datasets.load(DatasetName.FASHION_MNIST, Split.TRAIN, installed), 60000);
        assertRealSplit(Datasets.load(DatasetName.FASHION_MNIST, Split.TEST, installed), 10000);
    }

    private static void assertRealSplit(Dataset d, int size) {
        assertEquals(size, d.size());
        assertEquals("fashion-mnist", d.name());
        assertEquals(1, d.channels());
        assertEquals(28, d.height());
        assertEquals(28, d.width());
        assertEquals(10, d.numClasses());
        int[] perClass = new int[10];
        for (int label : d.labels()) {
            perClass[label]++;
        }
        for (int count : perClass) {
            assertEquals(size / 10, count, "Fashion-MNIST is balanced");
        }
        float max = 0;
        for (float pixel : d.pixels(0, d.size())) {
            max = Math.max(max, pixel);
        }
        assertEquals(255f, max, "raw pixels, not rescaled");
    }

    private static String assertNotFound(DatasetName name, Path explicitDir, Function<String, String> env) {
        return assertThrows(DatasetNotFoundException.class, () -> Datasets.locate(name, explicitDir, env)).getMessage();
    }

    private static void assertContains(String message, String part) {
        assertTrue(message.contains(part), () -> "expected '" + part + "' in: " + message);
    }
}
