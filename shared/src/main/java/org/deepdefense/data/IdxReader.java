package org.deepdefense.data;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.GZIPInputStream;

/**
 * Reader for the IDX files of MNIST and Fashion-MNIST: unsigned-byte images (magic 2051) and labels (magic 2049).
 * A file may be raw or gzipped under either name (the gzip magic decides, not the suffix). Each file is read
 * whole and validated before anything is returned, so a damaged file fails instead of giving a partial dataset.
 */
public final class IdxReader {
    static final int IMAGES_MAGIC = 0x0803; // unsigned bytes, 3 dimensions: count, rows, columns
    static final int LABELS_MAGIC = 0x0801; // unsigned bytes, 1 dimension: count
    private static final int NUM_CLASSES = 10;

    /** Images of one IDX file: count x height x width pixels, 0..255 as float. */
    public record Images(int count, int height, int width, float[] pixels) {}

    private IdxReader() {}

    public static Images readImages(Path file) throws IOException {
        Idx idx = parse(file, IMAGES_MAGIC);
        float[] pixels = new float[idx.payloadLength()];
        UnsignedBytes.toFloats(idx.bytes, idx.offset, pixels, 0, pixels.length);
        return new Images(idx.dims[0], idx.dims[1], idx.dims[2], pixels);
    }

    public static int[] readLabels(Path file) throws IOException {
        Idx idx = parse(file, LABELS_MAGIC);
        int[] labels = new int[idx.payloadLength()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = idx.bytes[idx.offset + i] & 0xFF;
        }
        return labels;
    }

    /** Reads a pair of image and label files into a single-channel dataset, checking that they agree. */
    public static InMemoryDataset read(String name, Path imagesFile, Path labelsFile, int numClasses) throws IOException {
        Images images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        if (labels.length != images.count()) {
            throw new IOException(labelsFile + " holds " + labels.length + " labels but " + imagesFile + " holds "
                    + images.count() + " images");
        }
        int bad = InMemoryDataset.invalidLabelIndex(labels, 0, labels.length, numClasses);
        if (bad >= 0) {
            throw new IOException(labelsFile + ": label " + labels[bad] + " at index " + bad + " is outside [0, "
                    + numClasses + ")");
        }
        return new InMemoryDataset(name, images.pixels(), labels, 1, images.height(), images.width(), numClasses);
    }

    /** Reads one split from a directory laid out like the MNIST distribution (10 classes). */
    static InMemoryDataset read(String name, Path dir, Split split) throws IOException {
        return read(name, existing(dir, imagesFile(split)), existing(dir, labelsFile(split)), NUM_CLASSES);
    }

    /** The files of both splits that dir lacks, as "name(.gz)". */
    static List<String> missingFiles(Path dir) {
        List<String> missing = new ArrayList<>();
        for (Split split : Split.values()) {
            for (String baseName : List.of(imagesFile(split), labelsFile(split))) {
                if (find(dir, baseName) == null) {
                    missing.add(baseName + "(.gz)");
                }
            }
        }
        return missing;
    }

    private static String imagesFile(Split split) {
        return prefix(split) + "-images-idx3-ubyte";
    }

    private static String labelsFile(Split split) {
        return prefix(split) + "-labels-idx1-ubyte";
    }

    private static String prefix(Split split) {
        return split == Split.TRAIN ? "train" : "t10k";
    }

    /** The file called baseName or baseName.gz in dir (the uncompressed one wins), or null. */
    private static Path find(Path dir, String baseName) {
        for (Path candidate : List.of(dir.resolve(baseName), dir.resolve(baseName + ".gz"))) {
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private static Path existing(Path dir, String baseName) throws NoSuchFileException {
        Path file = find(dir, baseName);
        if (file == null) {
            throw new NoSuchFileException(dir.resolve(baseName) + "(.gz)");
        }
        return file;
    }

    /** A validated IDX file: its (decompressed) bytes, dimension sizes, and where the payload starts. */
    private record Idx(byte[] bytes, int[] dims, int offset) {
        int payloadLength() {
            return bytes.length - offset;
        }
    }

    private static Idx parse(Path file, int expectedMagic) throws IOException {
        byte[] bytes = contents(file);
        ByteBuffer buffer = ByteBuffer.wrap(bytes); // big-endian, as IDX is
        if (bytes.length < 4) {
            throw new IOException(file + ": only " + bytes.length + " bytes, too short for an IDX header");
        }
        int magic = buffer.getInt();
        if ((magic & 0xFFFFFF00) != (expectedMagic & 0xFFFFFF00)) {
            throw new IOException(String.format("%s: bad magic number 0x%08x, expected 0x%08x (IDX unsigned bytes)",
                    file, magic, expectedMagic));
        }
        int dimensions = magic & 0xFF;
        int expectedDimensions = expectedMagic & 0xFF;
        if (dimensions != expectedDimensions) {
            throw new IOException(file + ": IDX file has " + dimensions + " dimension(s), expected "
                    + expectedDimensions + " (magic " + magic + " instead of " + expectedMagic + ")");
        }
        if (bytes.length < 4 + 4 * dimensions) {
            throw new IOException(file + ": truncated IDX header (" + bytes.length + " bytes)");
        }
        int[] dims = new int[dimensions];
        long declared = 1;
        for (int d = 0; d < dimensions; d++) {
            dims[d] = buffer.getInt();
            if (dims[d] < 0) {
                throw new IOException(file + ": negative size " + dims[d] + " in dimension " + d);
            }
            declared *= dims[d];
        }
        long actual = buffer.remaining();
        if (actual < declared) {
            throw new IOException(file + ": truncated, header declares " + describe(dims) + " = " + declared
                    + " bytes of data but only " + actual + " follow");
        }
        if (actual > declared) {
            throw new IOException(file + ": " + (actual - declared) + " unexpected trailing bytes after the "
                    + declared + " bytes of data declared by the header (" + describe(dims) + ")");
        }
        return new Idx(bytes, dims, buffer.position());
    }

    private static String describe(int[] dims) {
        return Arrays.stream(dims).mapToObj(String::valueOf).collect(Collectors.joining(" x "));
    }

    /** The file's bytes, decompressed when they start with the gzip magic. */
    private static byte[] contents(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length < 2 || bytes[0] != (byte) 0x1f || bytes[1] != (byte) 0x8b) {
            return bytes;
        }
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes), 1 << 16)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IOException(file + ": damaged gzip data: " + e.getMessage(), e);
        }
    }
}
