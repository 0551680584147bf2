package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.ChecksumMismatchException;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.data.Cifar10Reader;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.data.TestFiles;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.deepdefense.nn.TestDevices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointsTest {

    /** A checkpoint written on one device loads on every other: parameters travel as Java arrays. */
    @Test
    void aCheckpointSavedOnOneDeviceLoadsOnEveryDevice(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        Dataset data = GeneratedDataset.create(20, 1, 28, 28, 10, 2);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        float[] x = preprocessor.apply(data, 0, 4);
        for (Device from : TestDevices.all().toList()) {
            String key = "device-" + from.getDeviceType() + "/final";
            float[] expected;
            try (NDManager root = NDManager.newBaseManager(from, "PyTorch");
                    Network network = Network.create(Architecture.LENET, 1, 28, 28, 10, 4, root)) {
                expected = network.logits(root.create(x, new Shape(4, 1, 28, 28))).toFloatArray();
                ModelCheckpoints.save(store, key, network, preprocessor, null, metadata(Architecture.LENET));
            }
            for (Device to : TestDevices.all().toList()) {
                try (NDManager root = NDManager.newBaseManager(to, "PyTorch");
                        ModelCheckpoints.Loaded loaded = ModelCheckpoints.load(store, key, null, root)) {
                    assertEquals(to, loaded.network().parameters().get(0).value().getDevice());
                    float[] actual = loaded.network().logits(root.create(x, new Shape(4, 1, 28, 28))).toFloatArray();
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], actual[i], 1e-4 * Math.max(1, Math.abs(expected[i])),
                                from + " -> " + to);
                    }
                }
            }
        }
    }

    @Test
    void savedModelLoadsBackWithTheSameLogitsAndExportsPyTorchNames(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        Dataset data = GeneratedDataset.create(50, 1, 28, 28, 10, 1);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        try (NDManager root = NDManager.newBaseManager("PyTorch")) {
            for (Architecture architecture : List.of(Architecture.MLP, Architecture.LENET)) {
                String key = "run-" + architecture.id() + "/final";
                NDArray x = root.create(preprocessor.apply(data, 0, 4), new Shape(4, 1, 28, 28));
                float[] expected;
                try (Network network = Network.create(architecture, 1, 28, 28, 10, 9, root)) {
                    expected = network.logits(x).toFloatArray();
                    ModelCheckpoints.save(store, key, network, preprocessor, null, metadata(architecture));
                }
                try (ModelCheckpoints.Loaded loaded = ModelCheckpoints.load(store, key, null, root)) {
                    assertArrayEquals(expected, loaded.network().logits(x).toFloatArray());
                    assertArrayEquals(preprocessor.mean(), loaded.preprocessor().mean());
                }
                Path npz = dir.resolve(architecture.id() + ".npz");
                Npz.write(npz, ModelCheckpoints.exportTensors(store.load(key, null)));
                Map<String, NamedTensor> exported = Npz.read(npz);
                List<String> names = architecture == Architecture.MLP
                        ? List.of("fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias", "input_mean")
                        : List.of("conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "fc1.weight", "fc1.bias",
                                "fc2.weight", "fc2.bias", "input_mean");
                assertEquals(names, List.copyOf(exported.keySet()));
                long[] firstWeight = architecture == Architecture.MLP ? new long[] {500, 784} : new long[] {20, 1, 5, 5};
                assertArrayEquals(firstWeight, exported.get(names.get(0)).shape(), "PyTorch layout (out, in, ...)");
                assertArrayEquals(new long[] {1, 28, 28}, exported.get("input_mean").shape());
            }
        }
    }

    @Test
    void aTamperedCheckpointIsRefusedBeforeItIsParsed(@TempDir Path dir) throws Exception {
        CheckpointStore store = new CheckpointStore(dir);
        Dataset data = GeneratedDataset.create(20, 1, 28, 28, 10, 1);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 9, root)) {
            ModelCheckpoints.save(store, "run/final", network, Preprocessor.meanSubtraction(data), null,
                    metadata(Architecture.MLP));
            Path params = store.resolve("run/final").resolve(CheckpointStore.PARAMS_FILE);
            byte[] bytes = Files.readAllBytes(params);
            bytes[bytes.length / 2] ^= 1;
            Files.write(params, bytes);
            assertThrows(ChecksumMismatchException.class, () -> ModelCheckpoints.load(store, "run/final", null, root));
        }
    }

    /** official-cifar: the contrast scale and whitening matrix travel with the checkpoint and its export. */
    @Test
    void theOfficialCifarTransformRoundTripsAndItsAbsenceIsNamed(@TempDir Path dir) throws Exception {
        Path files = TestFiles.writeRandomCifar(dir.resolve("cifar"), 2, 3, 21);
        Dataset train = Cifar10Reader.read(files, Split.TRAIN);
        Dataset test = Cifar10Reader.read(files, Split.TEST);
        Preprocessor preprocessor = Preprocessor.fit(Preprocessing.OFFICIAL_CIFAR, train);
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, "cifar", "convnet",
                "cifar10", "vanilla", "official-cifar", new int[] {3, 32, 32}, 10, Map.of(), 1, 0, 9, Map.of(), true,
                "cpu()", Instant.now().toString(), null, null);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.CONVNET, 3, 32, 32, 10, 9, root)) {
            ModelCheckpoints.save(store, "cifar/final", network, preprocessor, null, meta);
            try (ModelCheckpoints.Loaded loaded = ModelCheckpoints.load(store, "cifar/final", null, root)) {
                assertEquals(Preprocessing.OFFICIAL_CIFAR, loaded.preprocessor().kind());
                assertArrayEquals(preprocessor.apply(test, 0, 3), loaded.preprocessor().apply(test, 0, 3));
            }
            Map<String, long[]> exported = new LinkedHashMap<>();
            ModelCheckpoints.exportTensors(store.load("cifar/final", null)).forEach(t -> exported.put(t.name(), t.shape()));
            assertArrayEquals(new long[] {1}, exported.get(Checkpoint.INPUT_CONTRAST_SCALE_TENSOR));
            assertArrayEquals(new long[] {3072, 3072}, exported.get(Checkpoint.INPUT_WHITENING_TENSOR));

            List<NamedTensor> withoutWhitening = ModelCheckpoints.tensors(network, preprocessor, null).stream()
                    .filter(t -> !t.name().equals(Checkpoint.INPUT_WHITENING_TENSOR)).toList();
            store.save("cifar/epoch-0002", withoutWhitening, meta);
            IOException e = assertThrows(IOException.class,
                    () -> ModelCheckpoints.load(store, "cifar/epoch-0002", null, root));
            assertEquals("checkpoint 'cifar/epoch-0002': official-cifar preprocessing needs the tensor"
                    + " 'input_whitening', which is missing", e.getMessage());
        }
    }

    private static CheckpointMetadata metadata(Architecture architecture) {
        return new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, "run-" + architecture.id(), architecture.id(),
                "generated", "vanilla", "per-pixel-mean-subtraction", new int[] {1, 28, 28}, 10, Map.of(), 1, 0, 9,
                Map.of(), true, "cpu()", Instant.now().toString(), null, null);
    }
}
