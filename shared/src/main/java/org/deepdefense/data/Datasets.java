package org.deepdefense.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** Finds and loads the real datasets from disk. Generated data comes from {@link GeneratedDataset} instead. */
public final class Datasets {
    /** Where the Debian package dataset-fashion-mnist installs its files. */
    static final Path FASHION_MNIST_DEFAULT_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private Datasets() {}

    public static Dataset load(DatasetName name, Split split, Path explicitDir) throws IOException {
        Path dir = locate(name, explicitDir);
        return switch (name) {
            case CIFAR10 -> Cifar10Reader.read(dir, split);
            case MNIST, FASHION_MNIST -> IdxReader.read(name.id(), dir, split);
            case IMAGEFOLDER, GENERATED -> throw new IllegalArgumentException(name.id()
                    + " has no fixed sample shape: DataSource.load makes it at the network's input shape");
        };
    }

    /**
     * The directory holding the dataset's files: explicitDir if non-null, else the directory named by the
     * environment variable DEEPDEFENSE_MNIST_DIR, DEEPDEFENSE_FASHION_MNIST_DIR, DEEPDEFENSE_CIFAR10_DIR or
     * DEEPDEFENSE_IMAGEFOLDER_DIR,
     * else (Fashion-MNIST only) /usr/share/datasets/fashion-mnist. A location that is given but incomplete is
     * an error rather than a reason to look further, so a typo never silently loads other data.
     */
    public static Path locate(DatasetName name, Path explicitDir) throws DatasetNotFoundException {
        return locate(name, explicitDir, System::getenv);
    }

    static Path locate(DatasetName name, Path explicitDir, Function<String, String> env)
            throws DatasetNotFoundException {
        if (name == DatasetName.GENERATED) {
            throw new IllegalArgumentException("the generated dataset has no files; use GeneratedDataset.create");
        }
        String variable = envVariable(name);
        String fromEnv = env.apply(variable);
        Path dir;
        String origin;
        if (explicitDir != null) {
            dir = explicitDir;
            origin = "the given data directory";
        } else if (fromEnv != null && !fromEnv.isBlank()) {
            dir = Path.of(fromEnv);
            origin = "$" + variable;
        } else if (name == DatasetName.FASHION_MNIST) {
            dir = FASHION_MNIST_DEFAULT_DIR;
            origin = "the default location";
        } else {
            throw new DatasetNotFoundException(name.id() + ": no data directory given. " + howToGet(name));
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetNotFoundException(name.id() + ": directory " + dir + " (" + origin
                    + ") does not exist. " + howToGet(name));
        }
        // An image folder's split folders are checked when a split is opened, naming the one that is missing.
        List<String> missing = switch (name) {
            case CIFAR10 -> Cifar10Reader.missingFiles(dir);
            case IMAGEFOLDER -> List.of();
            default -> IdxReader.missingFiles(dir);
        };
        if (!missing.isEmpty()) {
            throw new DatasetNotFoundException(name.id() + ": missing " + String.join(", ", missing) + " in " + dir
                    + " (" + origin + "). " + howToGet(name));
        }
        return dir;
    }

    static String envVariable(DatasetName name) {
        return "DEEPDEFENSE_" + name.name() + "_DIR";
    }

    private static String howToGet(DatasetName name) {
        String pointAtIt = "set " + envVariable(name) + " or pass --data-dir";
        return switch (name) {
            case MNIST -> "Download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz"
                    + " and t10k-labels-idx1-ubyte.gz from https://ossci-datasets.s3.amazonaws.com/mnist/"
                    + " (mirror of http://yann.lecun.com/exdb/mnist/) into one directory and " + pointAtIt
                    + " to point at it.";
            case FASHION_MNIST -> "Install it with `apt-get install -y dataset-fashion-mnist` (files go to "
                    + FASHION_MNIST_DEFAULT_DIR + "), or " + pointAtIt + " to point at a directory holding the"
                    + " four IDX files from https://github.com/zalandoresearch/fashion-mnist.";
            case CIFAR10 -> "Download https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz, extract it and "
                    + pointAtIt + " to point at the extracted cifar-10-batches-bin directory (or its parent).";
            case IMAGEFOLDER -> pointAtIt.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + pointAtIt.substring(1)
                    + " to point at a folder holding train/<class>/*.jpg|png and val/<class>/*.jpg|png.";
            case GENERATED -> throw new AssertionError("locate rejects GENERATED before asking");
        };
    }
}
