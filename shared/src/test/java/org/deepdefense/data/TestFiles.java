package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes small IDX and CIFAR-10 files whose content is a known function of the sample index, and CIFAR-10 files
 * of seeded random pixels for tests that need images without structure (public for the train package's tests).
 */
public final class TestFiles {
    static final int SIDE = 3; // IDX test images are 3x3

    private TestFiles() {}

    /** Pixel f of sample i in every test file, covering the whole 0..255 range. */
    static int pixel(int sample, int feature) {
        return (sample * 31 + feature * 7) % 256;
    }

    static int label(int sample) {
        return (sample * 3) % 10;
    }

    static byte[] idxImages(int count) {
        byte[] payload = new byte[count * SIDE * SIDE];
        for (int i = 0; i < payload.length; i++) {
            payload[i] = (byte) pixel(i / (SIDE * SIDE), i % (SIDE * SIDE));
        }
        return idx(IdxReader.IMAGES_MAGIC, payload, count, SIDE, SIDE);
    }

    static byte[] idxLabels(int count) {
        byte[] payload = new byte[count];
        for (int i = 0; i < count; i++) {
            payload[i] = (byte) label(i);
        }
        return idx(IdxReader.LABELS_MAGIC, payload, count);
    }

    static byte[] idx(int magic, byte[] payload, int... dims) {
        ByteBuffer buffer = ByteBuffer.allocate(4 + 4 * dims.length + payload.length).putInt(magic);
        for (int dim : dims) {
            buffer.putInt(dim);
        }
        return buffer.put(payload).array();
    }

    /** A CIFAR-10 batch whose record r is sample firstSample + r. */
    static byte[] cifarBatch(int firstSample, int records) {
        byte[] bytes = new byte[records * Cifar10Reader.RECORD_BYTES];
        for (int r = 0; r < records; r++) {
            int offset = r * Cifar10Reader.RECORD_BYTES;
            bytes[offset] = (byte) label(firstSample + r);
            for (int f = 0; f < Cifar10Reader.IMAGE_BYTES; f++) {
                bytes[offset + 1 + f] = (byte) pixel(firstSample + r, f);
            }
        }
        return bytes;
    }

    /** Writes the four MNIST files (gzipped or not) with the given sample counts into dir. */
    static Path writeMnist(Path dir, int trainCount, int testCount, boolean gzip) {
        String suffix = gzip ? ".gz" : "";
        write(dir.resolve("train-images-idx3-ubyte" + suffix), idxImages(trainCount), gzip);
        write(dir.resolve("train-labels-idx1-ubyte" + suffix), idxLabels(trainCount), gzip);
        write(dir.resolve("t10k-images-idx3-ubyte" + suffix), idxImages(testCount), gzip);
        write(dir.resolve("t10k-labels-idx1-ubyte" + suffix), idxLabels(testCount), gzip);
        return dir;
    }

    /** Writes the six CIFAR-10 batches into dir: train batch b holds b records, the test batch 4. */
    static Path writeCifar(Path dir) {
        int sample = 0;
        for (int batch = 1; batch <= 5; batch++) {
            write(dir.resolve("data_batch_" + batch + ".bin"), cifarBatch(sample, batch), false);
            sample += batch;
        }
        write(dir.resolve("test_batch.bin"), cifarBatch(0, 4), false);
        return dir;
    }

    /** The six CIFAR-10 batches of uniformly random pixels and labels: perBatch records per training batch. */
    public static Path writeRandomCifar(Path dir, int perBatch, int testRecords, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int batch = 1; batch <= 6; batch++) {
            byte[] bytes = new byte[(batch == 6 ? testRecords : perBatch) * Cifar10Reader.RECORD_BYTES];
            random.nextBytes(bytes);
            for (int offset = 0; offset < bytes.length; offset += Cifar10Reader.RECORD_BYTES) {
                bytes[offset] = (byte) random.nextInt(10);
            }
            write(dir.resolve(batch == 6 ? "test_batch.bin" : "data_batch_" + batch + ".bin"), bytes, false);
        }
        return dir;
    }

    static Path write(Path file, byte[] bytes, boolean gzip) {
        try {
            Files.createDirectories(file.getParent());
            return Files.write(file, gzip ? gzip(bytes) : bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    /** Asserts that d holds exactly the test samples first, first+1, ... in order. */
    static void assertSamples(Dataset d, int first) {
        int features = d.featureSize();
        for (int i = 0; i < d.size(); i++) {
            assertEquals(label(first + i), d.labels()[i], "label of sample " + i);
            for (int f = 0; f < features; f++) {
                assertEquals(pixel(first + i, f), d.pixels(0, d.size())[i * features + f], "pixel " + f + " of sample " + i);
            }
        }
    }
}
