package org.deepdefense.train;

import java.io.IOException;
import java.nio.file.Path;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Datasets;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;

/** Loads the train or test split a run names, optionally cut to its first {@code subset} samples. */
public final class DataSource {
    /** Sizes of generated splits when no subset is given. */
    static final int GENERATED_TRAIN = 2000;
    static final int GENERATED_TEST = 500;

    private DataSource() {}

    /**
     * @param dataDir explicit dataset directory or null (then the environment variable, then the default place)
     * @param subset keep only the first {@code subset} samples, or null for all
     * @param architecture decides the shape of generated data (1×28×28, or 3×32×32 for the CIFAR networks)
     */
    public static Dataset load(DatasetName name, Split split, Path dataDir, Integer subset, Architecture architecture)
            throws IOException {
        Dataset data;
        if (name == DatasetName.GENERATED) {
            boolean cifar = architecture == Architecture.CONVNET || architecture == Architecture.NIN;
            int size = subset != null ? subset : split == Split.TRAIN ? GENERATED_TRAIN : GENERATED_TEST;
            // Prototypes are fixed; the seed only draws the noise, so train and test are the same task.
            data = GeneratedDataset.create(size, cifar ? 3 : 1, cifar ? 32 : 28, cifar ? 32 : 28, 10,
                    split == Split.TRAIN ? 1 : 2);
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
