package org.deepdefense.train;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.NamedTensor;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.checkpoint.Safetensors;
import org.deepdefense.checkpoint.TensorSchema;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.deepdefense.util.Names;

/**
 * Brings a PyTorch {@code state_dict} (safetensors or NPZ, the names and layouts {@code export} writes) into the
 * store as the final checkpoint of a new run, which {@code train --from} can then fine-tune. The file must hold
 * exactly the architecture's tensors with their shapes, as float32; the preprocessing tensors ({@code input_mean}
 * (C, H, W), and for CIFAR-10 also {@code input_contrast_scale} and {@code input_whitening}) are optional and
 * otherwise fitted on the dataset's training split. Everything is checked before the store is touched, so a
 * refused file leaves nothing behind.
 */
public final class ModelImport {
    /** The method recorded for an imported checkpoint: it was trained elsewhere. */
    public static final String METHOD = "imported";

    public enum Format {
        SAFETENSORS("safetensors"),
        NPZ("npz");

        private final String id;

        Format(String id) {
            this.id = id;
        }

        public String id() {
            return id;
        }

        public static Format parse(String name) {
            return Names.parse(values(), Format::id, name, "format");
        }
    }

    /**
     * @param dataDir where the dataset lives, or null for the usual places; read when the file has no mean, and
     *     for an image folder's class count
     * @param numClasses the network's outputs; null: the dataset's classes (10 for the built-in datasets, the class
     *     folders of an image folder's {@code train/})
     */
    public record Request(Path file, Format format, Architecture architecture, DatasetName dataset, Path dataDir,
            String runId, Integer numClasses) {
        public Request {
            CheckpointStore.requireValidRunId(runId);
            if (numClasses != null && numClasses < 2) {
                throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + numClasses);
            }
        }

        /** With the dataset's class count. */
        public Request(Path file, Format format, Architecture architecture, DatasetName dataset, Path dataDir,
                String runId) {
            this(file, format, architecture, dataset, dataDir, runId, null);
        }
    }

    private ModelImport() {}

    /** Writes {@code <runId>/final} and returns its key and metadata. */
    public static TrainingJob.Saved run(Request request, CheckpointStore store, NDManager root) throws IOException {
        String key = CheckpointStore.keyFor(request.runId(), 0, 0, true);
        if (store.latest(request.runId()).isPresent()) {
            throw new IllegalArgumentException("run '" + request.runId() + "' already has checkpoints in "
                    + store.root() + "; import into a new run id");
        }
        int[] shape = DataSource.sampleShape(request.dataset(), request.architecture());
        // An image folder's class count is its train/ folders: the split is opened once, for it and for a mean.
        Dataset folderTrain = request.numClasses() == null && request.dataset() == DatasetName.IMAGEFOLDER
                ? trainingSplit(request) : null;
        int numClasses = request.numClasses() != null ? request.numClasses()
                : folderTrain != null ? folderTrain.numClasses() : DataSource.NUM_CLASSES;
        try (Network network = Network.create(request.architecture(), shape[0], shape[1], shape[2], numClasses, 0,
                root)) {
            Preprocessing kind = Preprocessing.forDataset(request.dataset());
            long features = (long) shape[0] * shape[1] * shape[2];
            TensorSchema schema = new TensorSchema(network.stateShapes(), kind == Preprocessing.OFFICIAL_CIFAR
                    ? Map.of(Checkpoint.INPUT_MEAN_TENSOR, new long[] {shape[0], shape[1], shape[2]},
                            Checkpoint.INPUT_CONTRAST_SCALE_TENSOR, new long[] {1},
                            Checkpoint.INPUT_WHITENING_TENSOR, new long[] {features, features})
                    : Map.of(Checkpoint.INPUT_MEAN_TENSOR, new long[] {shape[0], shape[1], shape[2]}));
            Map<String, NamedTensor> tensors = switch (request.format()) {
                case SAFETENSORS -> Safetensors.read(request.file(), schema).tensors();
                case NPZ -> Npz.read(request.file(), schema);
            };
            requireFinite(request.file(), tensors);
            Map<String, float[]> state = new LinkedHashMap<>();
            tensors.forEach((name, tensor) -> state.put(name, tensor.data()));
            network.loadStateDict(state);

            NamedTensor mean = tensors.get(Checkpoint.INPUT_MEAN_TENSOR);
            Preprocessor preprocessor;
            String meanSource;
            if (mean != null) {
                try {
                    preprocessor = ModelCheckpoints.preprocessor(kind, tensors, shape);
                } catch (IllegalArgumentException e) {
                    throw new IOException(request.file() + ": " + e.getMessage(), e);
                }
                meanSource = "input_mean of the imported file";
            } else {
                Dataset train = folderTrain != null ? folderTrain : trainingSplit(request);
                preprocessor = Preprocessor.fit(kind, train);
                meanSource = String.format(Locale.ROOT, "computed from the %s training split (%d images)",
                        request.dataset().id(), train.size());
            }
            Map<String, Object> origin = new LinkedHashMap<>();
            origin.put("importedFrom", request.file().getFileName().toString());
            origin.put("importFormat", request.format().id());
            origin.put("importedSha256", CheckpointStore.sha256(request.file()));
            origin.put("inputMean", meanSource);
            CheckpointMetadata meta = new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, request.runId(),
                    request.architecture().id(), request.dataset().id(), METHOD, preprocessor.kind().id(), shape,
                    numClasses, origin, 0, 0, 0, Map.of(), true, root.getDevice().toString(),
                    Instant.now().toString(), null, null);
            return new TrainingJob.Saved(key, ModelCheckpoints.save(store, key, network, preprocessor, null, meta));
        }
    }

    private static Dataset trainingSplit(Request request) throws IOException {
        return DataSource.load(request.dataset(), Split.TRAIN, request.dataDir(), null, request.architecture());
    }

    /** A NaN or infinite weight would only surface as NaN logits much later; refuse it with its name now. */
    private static void requireFinite(Path file, Map<String, NamedTensor> tensors) throws IOException {
        for (NamedTensor tensor : tensors.values()) {
            for (float value : tensor.data()) {
                if (!Float.isFinite(value)) {
                    throw new IOException(file + ": tensor '" + tensor.name() + "' holds " + value);
                }
            }
        }
    }
}
