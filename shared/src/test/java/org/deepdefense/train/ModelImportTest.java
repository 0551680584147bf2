package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.checkpoint.Safetensors;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.GeneratedImageFolders;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelImportTest {
    private static NDManager root;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager("PyTorch");
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    @Test
    void importOfAnExportGivesIdenticalParametersAndEvaluation() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        Dataset train = DataSource.load(DatasetName.FASHION_MNIST, Split.TRAIN, null, 2000, Architecture.LENET);
        Dataset test = DataSource.load(DatasetName.FASHION_MNIST, Split.TEST, null, 200, Architecture.LENET);
        Checkpoint original = trainedCheckpoint(store, train);
        List<NamedTensor> exported = ModelCheckpoints.exportTensors(original);
        Safetensors.write(dir.resolve("lenet.safetensors"), exported, Map.of("format", "pt"));
        Npz.write(dir.resolve("lenet.npz"), exported);

        float[] expectedLogits = logits(store, original.key(), test);
        for (ModelImport.Format format : ModelImport.Format.values()) {
            Path file = dir.resolve("lenet." + format.id());
            TrainingJob.Saved saved = ModelImport.run(new ModelImport.Request(file, format, Architecture.LENET,
                    DatasetName.FASHION_MNIST, null, "imported-" + format.id()), store, root);
            Checkpoint imported = store.load(saved.key(), null);

            assertEquals(original.tensors(), imported.tensors(), format + ": same tensors, same order");
            assertEquals(ModelImport.METHOD, imported.metadata().method());
            assertEquals("input_mean of the imported file", imported.metadata().hyperparameters().get("inputMean"));
            assertTrue(imported.metadata().finalCheckpoint());
            float[] importedLogits = logits(store, saved.key(), test);
            assertArrayEquals(expectedLogits, importedLogits, format + ": identical logits");
            assertEquals(Logits.correct(expectedLogits, test.labels(), 10),
                    Logits.correct(importedLogits, test.labels(), 10), "identical clean accuracy");
        }
    }

    /**
     * torchvision's {@code resnet18().state_dict().keys()} (torchvision 0.19), in order, less the 20
     * {@code *.num_batches_tracked} counters: written out here as the reference, not derived from the engine.
     * resnet18-cifar has the same names (only conv1's kernel is 3×3).
     */
    private static final String TORCHVISION_RESNET18_KEYS = """
            conv1.weight
            bn1.weight bn1.bias bn1.running_mean bn1.running_var
            layer1.0.conv1.weight
            layer1.0.bn1.weight layer1.0.bn1.bias layer1.0.bn1.running_mean layer1.0.bn1.running_var
            layer1.0.conv2.weight
            layer1.0.bn2.weight layer1.0.bn2.bias layer1.0.bn2.running_mean layer1.0.bn2.running_var
            layer1.1.conv1.weight
            layer1.1.bn1.weight layer1.1.bn1.bias layer1.1.bn1.running_mean layer1.1.bn1.running_var
            layer1.1.conv2.weight
            layer1.1.bn2.weight layer1.1.bn2.bias layer1.1.bn2.running_mean layer1.1.bn2.running_var
            layer2.0.conv1.weight
            layer2.0.bn1.weight layer2.0.bn1.bias layer2.0.bn1.running_mean layer2.0.bn1.running_var
            layer2.0.conv2.weight
            layer2.0.bn2.weight layer2.0.bn2.bias layer2.0.bn2.running_mean layer2.0.bn2.running_var
            layer2.0.downsample.0.weight
            layer2.0.downsample.1.weight layer2.0.downsample.1.bias layer2.0.downsample.1.running_mean layer2.0.downsample.1.running_var
            layer2.1.conv1.weight
            layer2.1.bn1.weight layer2.1.bn1.bias layer2.1.bn1.running_mean layer2.1.bn1.running_var
            layer2.1.conv2.weight
            layer2.1.bn2.weight layer2.1.bn2.bias layer2.1.bn2.running_mean layer2.1.bn2.running_var
            layer3.0.conv1.weight
            layer3.0.bn1.weight layer3.0.bn1.bias layer3.0.bn1.running_mean layer3.0.bn1.running_var
            layer3.0.conv2.weight
            layer3.0.bn2.weight layer3.0.bn2.bias layer3.0.bn2.running_mean layer3.0.bn2.running_var
            layer3.0.downsample.0.weight
            layer3.0.downsample.1.weight layer3.0.downsample.1.bias layer3.0.downsample.1.running_mean layer3.0.downsample.1.running_var
            layer3.1.conv1.weight
            layer3.1.bn1.weight layer3.1.bn1.bias layer3.1.bn1.running_mean layer3.1.bn1.running_var
            layer3.1.conv2.weight
            layer3.1.bn2.weight layer3.1.bn2.bias layer3.1.bn2.running_mean layer3.1.bn2.running_var
            layer4.0.conv1.weight
            layer4.0.bn1.weight layer4.0.bn1.bias layer4.0.bn1.running_mean layer4.0.bn1.running_var
            layer4.0.conv2.weight
            layer4.0.bn2.weight layer4.0.bn2.bias layer4.0.bn2.running_mean layer4.0.bn2.running_var
            layer4.0.downsample.0.weight
            layer4.0.downsample.1.weight layer4.0.downsample.1.bias layer4.0.downsample.1.running_mean layer4.0.downsample.1.running_var
            layer4.1.conv1.weight
            layer4.1.bn1.weight layer4.1.bn1.bias layer4.1.bn1.running_mean layer4.1.bn1.running_var
            layer4.1.conv2.weight
            layer4.1.bn2.weight layer4.1.bn2.bias layer4.1.bn2.running_mean layer4.1.bn2.running_var
            fc.weight fc.bias
            """;
    /** torchvision's {@code alexnet().state_dict().keys()}: the dropout layers hold no tensors. */
    private static final String TORCHVISION_ALEXNET_KEYS = """
            features.0.weight features.0.bias features.3.weight features.3.bias features.6.weight features.6.bias
            features.8.weight features.8.bias features.10.weight features.10.bias
            classifier.1.weight classifier.1.bias classifier.4.weight classifier.4.bias
            classifier.6.weight classifier.6.bias
            """;

    static Stream<Arguments> torchvisionLayouts() {
        return Stream.of(Arguments.of(Architecture.RESNET18_CIFAR, TORCHVISION_RESNET18_KEYS),
                Arguments.of(Architecture.RESNET18, TORCHVISION_RESNET18_KEYS),
                Arguments.of(Architecture.ALEXNET, TORCHVISION_ALEXNET_KEYS));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("torchvisionLayouts")
    void anExportCarriesTorchvisionsNamesAndImportsToIdenticalLogits(Architecture architecture, String expected)
            throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        int[] shape = architecture.usualInputShape();
        Dataset data = GeneratedDataset.create(2, shape[0], shape[1], shape[2], 10, 3);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(data);
        try (Network network = Network.create(architecture, shape[0], shape[1], shape[2], 10, 5, root)) {
            CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, "original",
                    architecture.id(), "generated", "vanilla", preprocessor.kind().id(), shape, 10, Map.of(), 0, 0, 5,
                    Map.of(), true, "cpu()", Instant.now().toString(), null, null);
            ModelCheckpoints.save(store, "original/final", network, preprocessor, null, meta);
        }
        List<NamedTensor> exported = ModelCheckpoints.exportTensors(store.load("original/final", null));
        List<String> names = exported.stream().map(NamedTensor::name)
                .filter(name -> !name.equals(Checkpoint.INPUT_MEAN_TENSOR)).toList();
        assertEquals(List.of(expected.trim().split("\\s+")), names, "torchvision's state_dict names, in its order");

        Path file = dir.resolve(architecture.id() + ".safetensors");
        Safetensors.write(file, exported, Map.of("format", "pt"));
        exported = null; // let the 57 million AlexNet weights go before the import reads them again
        TrainingJob.Saved saved = ModelImport.run(new ModelImport.Request(file, ModelImport.Format.SAFETENSORS,
                architecture, DatasetName.GENERATED, null, "imported"), store, root);
        assertArrayEquals(logits(store, "original/final", data), logits(store, saved.key(), data), "identical logits");
    }

    @Test
    void withoutInputMeanTheTrainingSplitsMeanIsComputedAndRecorded() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        try (Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root)) {
            Path file = dir.resolve("mlp.safetensors");
            Safetensors.write(file, stateTensors(network), Map.of());
            TrainingJob.Saved saved = ModelImport.run(new ModelImport.Request(file, ModelImport.Format.SAFETENSORS,
                    Architecture.MLP, DatasetName.FASHION_MNIST, null, "no-mean"), store, root);
            Checkpoint imported = store.load(saved.key(), null);
            Dataset train = DataSource.load(DatasetName.FASHION_MNIST, Split.TRAIN, null, null, Architecture.MLP);
            assertArrayEquals(Preprocessor.meanSubtraction(train).mean(),
                    imported.tensor(Checkpoint.INPUT_MEAN_TENSOR).data());
            assertEquals("computed from the fashion-mnist training split (60000 images)",
                    imported.metadata().hyperparameters().get("inputMean"));
            assertEquals(CheckpointStore.sha256(file), imported.metadata().hyperparameters().get("importedSha256"));
        }
    }

    @Test
    void theClassCountIsTheImageFoldersOrTheOneAskedFor() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        Path folder = GeneratedImageFolders.write(dir.resolve("folder"), 3, 2, 1, 28, 1);
        try (Network three = Network.create(Architecture.MLP, 1, 28, 28, 3, 4, root);
                Network thousand = Network.create(Architecture.MLP, 1, 28, 28, 1000, 4, root)) {
            Path threeFile = dir.resolve("three.safetensors");
            Safetensors.write(threeFile, stateTensors(three), Map.of());
            TrainingJob.Saved fromFolder = ModelImport.run(new ModelImport.Request(threeFile,
                    ModelImport.Format.SAFETENSORS, Architecture.MLP, DatasetName.IMAGEFOLDER, folder, "folder"), store,
                    root);
            assertEquals(3, fromFolder.metadata().numClasses(), "the class folders of train/");

            Path thousandFile = dir.resolve("thousand.safetensors");
            Safetensors.write(thousandFile, stateTensors(thousand), Map.of());
            IOException tenByDefault = assertThrows(IOException.class, () -> ModelImport.run(new ModelImport.Request(
                    thousandFile, ModelImport.Format.SAFETENSORS, Architecture.MLP, DatasetName.GENERATED, null,
                    "ten"), store, root));
            assertTrue(tenByDefault.getMessage().contains("fc3.weight"), tenByDefault.getMessage());
            TrainingJob.Saved asked = ModelImport.run(new ModelImport.Request(thousandFile,
                    ModelImport.Format.SAFETENSORS, Architecture.MLP, DatasetName.GENERATED, null, "thousand", 1000),
                    store, root);
            assertEquals(1000, store.load(asked.key(), null).metadata().numClasses());
        }
    }

    @Test
    void badFilesAreRefusedWithTheirReasonAndWriteNothing() throws Exception {
        Path storeDir = dir.resolve("store");
        CheckpointStore store = new CheckpointStore(storeDir);
        try (Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root)) {
            List<NamedTensor> good = stateTensors(network);

            List<NamedTensor> missing = new ArrayList<>(good);
            missing.removeIf(t -> t.name().equals("fc2.bias"));
            assertRefused(store, write("missing", missing), "missing tensors [fc2.bias]");

            List<NamedTensor> extra = new ArrayList<>(good);
            extra.add(new NamedTensor("fc4.weight", new long[] {1}, new float[1]));
            assertRefused(store, write("extra", extra), "unexpected tensors [fc4.weight]");

            List<NamedTensor> transposed = new ArrayList<>(good);
            NamedTensor fc1 = transposed.get(0);
            transposed.set(0, new NamedTensor(fc1.name(), new long[] {784, 500}, fc1.data()));
            assertRefused(store, write("transposed", transposed), "tensor 'fc1.weight' has shape [784, 500], expected [500, 784]");

            List<NamedTensor> nan = new ArrayList<>(good);
            float[] bias = nan.get(1).data().clone();
            bias[3] = Float.NaN;
            nan.set(1, new NamedTensor("fc1.bias", nan.get(1).shape(), bias));
            assertRefused(store, write("nan", nan), "tensor 'fc1.bias' holds NaN");

            // A LeNet file offered as an MLP: the architecture decides what is allowed.
            try (Network lenet = Network.create(Architecture.LENET, 1, 28, 28, 10, 4, root)) {
                assertRefused(store, write("lenet", stateTensors(lenet)), "missing tensors [fc3.weight, fc3.bias]");
            }
            Path npz = dir.resolve("model.npz");
            Npz.write(npz, good);
            assertRefused(store, npz, "not a safetensors file?");
        }
        try (var files = Files.list(storeDir)) {
            assertEquals(List.of(), files.toList(), "nothing written to the store");
        }
    }

    @Test
    void aRunThatHasCheckpointsIsNotOverwritten() throws Exception {
        CheckpointStore store = new CheckpointStore(dir.resolve("store"));
        try (Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root)) {
            Path file = write("mlp", stateTensors(network));
            ModelImport.Request request = new ModelImport.Request(file, ModelImport.Format.SAFETENSORS,
                    Architecture.MLP, DatasetName.FASHION_MNIST, null, "twice");
            ModelImport.run(request, store, root);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> ModelImport.run(request, store, root));
            assertTrue(e.getMessage().contains("already has checkpoints"), e.getMessage());
        }
    }

    private void assertRefused(CheckpointStore store, Path file, String reason) {
        IOException e = assertThrows(IOException.class, () -> ModelImport.run(new ModelImport.Request(file,
                ModelImport.Format.SAFETENSORS, Architecture.MLP, DatasetName.FASHION_MNIST, null, "bad"), store, root));
        assertTrue(e.getMessage().contains(reason), "expected '" + reason + "' in: " + e.getMessage());
        assertFalse(Files.exists(store.root().resolve("bad")), "no run folder for a refused file");
    }

    private Path write(String name, List<NamedTensor> tensors) throws IOException {
        Path file = dir.resolve(name + ".safetensors");
        Safetensors.write(file, tensors, Map.of());
        return file;
    }

    private static List<NamedTensor> stateTensors(Network network) {
        List<NamedTensor> tensors = new ArrayList<>();
        Map<String, long[]> shapes = network.stateShapes();
        network.stateDict().forEach((name, values) -> tensors.add(new NamedTensor(name, shapes.get(name), values)));
        return tensors;
    }

    /** A LeNet after a short vanilla epoch, so that the weights are not the seed's and accuracy is meaningful. */
    private static Checkpoint trainedCheckpoint(CheckpointStore store, Dataset train) throws IOException {
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        TrainingConfig config = TrainingConfig.defaults(Method.VANILLA).withEpochs(1);
        try (Network network = Network.create(Architecture.LENET, 1, 28, 28, 10, 1, root);
                Trainer trainer = new Trainer(network, config, preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
            CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, "original", "lenet",
                    "fashion-mnist", "vanilla", preprocessor.kind().id(), new int[] {1, 28, 28}, 10, config.toMap(), 1, 0,
                    1, Map.of(), true, "cpu()", Instant.now().toString(), null, null);
            ModelCheckpoints.save(store, "original/final", network, preprocessor, null, meta);
        }
        return store.load("original/final", null);
    }

    private static float[] logits(CheckpointStore store, String key, Dataset test) throws IOException {
        try (NDManager scope = root.newSubManager();
                ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, scope)) {
            float[] x = model.preprocessor().apply(test, 0, test.size());
            Shape shape = new Shape(test.size()).addAll(model.network().inputShape());
            return model.network().logits(scope.create(x, shape)).toFloatArray();
        }
    }
}
