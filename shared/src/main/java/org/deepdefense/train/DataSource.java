package org.deepdefense.train;

import java.io.IOException;
import java.nio.file.Path;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Datasets;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.ImageFolderDataset;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;

/** Loads the train or test split a run names, optionally cut to its first {@code subset} samples. */
public final class DataSource {
    /** Sizes of generated splits when no subset is given. */
    static final int GENERATED_TRAIN = 2000;
    static final int GENERATED_TEST = 500;

    /** The built-in datasets have ten classes (an image folder has as many as its class folders). */
    public static final int NUM_CLASSES = 10;

    private DataSource() {}

    /**
     * The (channels, height, width) of the dataset's samples, known without reading it: 1×28×28 for MNIST and
     * Fashion-MNIST, 3×32×32 for CIFAR-10; generated data and image folders (resized and cropped) take the shape
     * the architecture is made for.
     */
    public static int[] sampleShape(DatasetName name, Architecture architecture) {
        return switch (name) {
            case CIFAR10 -> new int[] {3, 32, 32};
            case MNIST, FASHION_MNIST -> new int[] {1, 28, 28};
            case GENERATED, IMAGEFOLDER -> architecture.usualInputShape();
        };
    }

    /**
     * Where a record's data lives on this node: an image folder's {@code datasetRoot} (store-key rules, checked by the
     * message contract) inside the node's directory of image folders, never leaving it through a symbolic link; for
     * the built-in datasets, which have no root, the node's data directory (null: the usual places).
     *
     * @param dataDir the built-in datasets' directory ({@code deepdefense.data.dir}), or null
     * @param imageFolders the directory image-folder roots are relative to ({@code deepdefense.image-folders.dir}),
     *     or null when the node has none
     * @throws IllegalArgumentException when a root is named but the node has no directory of image folders
     */
    public static Path directory(Path dataDir, Path imageFolders, String datasetRoot) throws IOException {
        if (datasetRoot == null) {
            return dataDir;
        }
        if (imageFolders == null) {
            throw new IllegalArgumentException("datasetRoot '" + datasetRoot + "' needs a directory of image folders"
                    + " on this node (deepdefense.image-folders.dir) to be found in");
        }
        return CheckpointStore.resolveUnder(imageFolders, datasetRoot);
    }

    /**
     * @param dataDir explicit dataset directory or null (then the environment variable, then the default place)
     * @param subset keep only the first {@code subset} samples, or null for all
     * @param architecture decides the shape of generated data ({@link Architecture#usualInputShape()})
     */
    public static Dataset load(DatasetName name, Split split, Path dataDir, Integer subset, Architecture architecture)
            throws IOException {
        Dataset data;
        if (name == DatasetName.GENERATED) {
            int[] shape = sampleShape(name, architecture);
            int size = subset != null ? subset : split == Split.TRAIN ? GENERATED_TRAIN : GENERATED_TEST;
            // Prototypes are fixed; the seed only draws the noise, so train and test are the same task.
            data = GeneratedDataset.create(size, shape[0], shape[1], shape[2], NUM_CLASSES,
                    split == Split.TRAIN ? 1 : 2);
        } else if (name == DatasetName.IMAGEFOLDER) {
            int[] shape = sampleShape(name, architecture);
            data = ImageFolderDataset.open(Datasets.locate(name, dataDir), split, shape[0], shape[1]);
        } else {
            data = Datasets.load(name, split, dataDir);
        }
        if (subset != null) {
            if (subset < 1) {
                throw new IllegalArgumentException("subset must be at least 1, got " + subset);
            }
            data = data.head(Math.min(subset, data.size()));
        }
        return data;
    }
}
