package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.ChecksumMismatchException;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointsTest {

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

    private static CheckpointMetadata metadata(Architecture architecture) {
        return new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, "run-" + architecture.id(), architecture.id(),
                "generated", "vanilla", "per-pixel-mean-subtraction", new int[] {1, 28, 28}, 10, Map.of(), 1, 0, 9,
                Map.of(), true, "cpu()", Instant.now().toString(), null, null);
    }
}
