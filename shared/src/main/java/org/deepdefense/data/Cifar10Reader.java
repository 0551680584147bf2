package org.deepdefense.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Reader for the binary version of CIFAR-10: data_batch_1..5.bin (train) and test_batch.bin (test), each a
 * sequence of records of 1 label byte followed by 3072 pixel bytes (R, G and B planes of 32x32, row-major),
 * which is already the NCHW layout {@link Dataset} wants.
 */
public final class Cifar10Reader {
    private static final int NUM_CLASSES = 10;
    private static final int CHANNELS = 3;
    private static final int SIDE = 32;
    static final int IMAGE_BYTES = CHANNELS * SIDE * SIDE;
    static final int RECORD_BYTES = 1 + IMAGE_BYTES;
    /** The directory the official tarball extracts to; used when the given directory contains it. */
    private static final String SUBDIR = "cifar-10-batches-bin";

    private Cifar10Reader() {}

    /** Reads one split from dir, or from dir/cifar-10-batches-bin when that exists. */
    public static InMemoryDataset read(Path dir, Split split) throws IOException {
        Path dataDir = dataDir(dir);
        List<Path> files = new ArrayList<>();
        long records = 0;
        // Check every file's size before reading any, so a damaged last batch fails fast.
        for (String fileName : fileNames(split)) {
            Path file = dataDir.resolve(fileName);
            records += recordCount(file, Files.size(file));
            files.add(file);
        }
        float[] images = new float[Math.toIntExact(records * IMAGE_BYTES)];
        int[] labels = new int[(int) records];
        int sample = 0;
        for (Path file : files) {
            byte[] bytes = Files.readAllBytes(file);
            int first = sample;
            for (int offset = 0; offset < bytes.length; offset += RECORD_BYTES, sample++) {
                labels[sample] = bytes[offset] & 0xFF;
                UnsignedBytes.toFloats(bytes, offset + 1, images, sample * IMAGE_BYTES, IMAGE_BYTES);
            }
            int bad = InMemoryDataset.invalidLabelIndex(labels, first, sample, NUM_CLASSES);
            if (bad >= 0) {
                throw new IOException(file + ": record " + (bad - first) + " has label " + labels[bad]
                        + ", expected 0.." + (NUM_CLASSES - 1) + " (not a CIFAR-10 binary batch?)");
            }
        }
        return new InMemoryDataset(DatasetName.CIFAR10.id(), images, labels, CHANNELS, SIDE, SIDE, NUM_CLASSES);
    }

    /** The batch files of both splits that dir (or its cifar-10-batches-bin) lacks. */
    static List<String> missingFiles(Path dir) {
        Path dataDir = dataDir(dir);
        List<String> missing = new ArrayList<>();
        for (Split split : Split.values()) {
            for (String fileName : fileNames(split)) {
                if (!Files.isRegularFile(dataDir.resolve(fileName))) {
                    missing.add(fileName);
                }
            }
        }
        return missing;
    }

    private static Path dataDir(Path dir) {
        Path subdir = dir.resolve(SUBDIR);
        return Files.isDirectory(subdir) ? subdir : dir;
    }

    private static List<String> fileNames(Split split) {
        return split == Split.TEST
                ? List.of("test_batch.bin")
                : IntStream.rangeClosed(1, 5).mapToObj(batch -> "data_batch_" + batch + ".bin").toList();
    }

    private static int recordCount(Path file, long size) throws IOException {
        if (size == 0 || size % RECORD_BYTES != 0) {
            throw new IOException(file + ": size " + size + " is not a positive multiple of the "
                    + RECORD_BYTES + "-byte CIFAR-10 record (truncated or not a CIFAR-10 binary batch)");
        }
        return (int) (size / RECORD_BYTES);
    }
}
