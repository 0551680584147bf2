package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsRawAndGzippedFilesExactlyWhateverTheirName() throws IOException {
        byte[] images = TestFiles.idxImages(12);
        Path raw = TestFiles.write(dir.resolve("train-images-idx3-ubyte"), images, false);
        Path gzipped = TestFiles.write(dir.resolve("train-images-idx3-ubyte.gz"), images, true);
        Path gzippedWithoutSuffix = TestFiles.write(dir.resolve("gzipped-images"), images, true);
        Path rawWithSuffix = TestFiles.write(dir.resolve("raw-images.gz"), images, false);

        IdxReader.Images expected = IdxReader.readImages(raw);
        assertEquals(12, expected.count());
        assertEquals(TestFiles.SIDE, expected.height());
        assertEquals(TestFiles.SIDE, expected.width());
        for (int i = 0; i < expected.pixels().length; i++) {
            assertEquals(TestFiles.pixel(i / 9, i % 9), expected.pixels()[i], "pixel " + i);
        }
        for (Path file : new Path[] {gzipped, gzippedWithoutSuffix, rawWithSuffix}) {
            IdxReader.Images read = IdxReader.readImages(file);
            assertArrayEquals(expected.pixels(), read.pixels(), file.toString());
            assertEquals(expected.count(), read.count());
        }
    }

    @Test
    void readsAMatchingPairIntoADataset() throws IOException {
        Path images = TestFiles.write(dir.resolve("images.gz"), TestFiles.idxImages(7), true);
        Path labels = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(7), false);

        Dataset d = IdxReader.read("mnist", images, labels, 10);

        assertEquals(7, d.size());
        assertEquals(1, d.channels());
        assertEquals(10, d.numClasses());
        TestFiles.assertSamples(d, 0);
        assertArrayEquals(d.labels(), IdxReader.readLabels(labels));
    }

    @Test
    void rejectsBadMagic() {
        byte[] bytes = TestFiles.idxImages(2);
        bytes[2] = 0x0D; // element type float instead of unsigned byte
        Path file = TestFiles.write(dir.resolve("float-images"), bytes, false);
        assertFails(file, IdxReader::readImages, "bad magic number 0x00000d03, expected 0x00000803");
    }

    @Test
    void rejectsWrongDimensionCount() {
        Path labels = TestFiles.write(dir.resolve("labels"), TestFiles.idxLabels(2), false);
        assertFails(labels, IdxReader::readImages, "1 dimension(s), expected 3");
        Path images = TestFiles.write(dir.resolve("images"), TestFiles.idxImages(2), false);
        assertFails(images, IdxReader::readLabels, "3 dimension(s), expected 1");
    }

    @Test
    void rejectsTruncatedFiles() throws IOException {
        byte[] bytes = TestFiles.idxImages(4);
        Path payloadCut = TestFiles.write(dir.resolve("cut"), Arrays.copyOf(bytes, bytes.length - 1), true);
        assertFails(payloadCut, IdxReader::readImages,
                "truncated, header declares 4 x 3 x 3 = 36 bytes of data but only 35 follow");
        Path headerCut = TestFiles.write(dir.resolve("header-cut"), Arrays.copyOf(bytes, 10), false);
        assertFails(headerCut, IdxReader::readImages, "truncated IDX header");
        Path tiny = TestFiles.write(dir.resolve("tiny"), new byte[] {0, 0}, false);
        assertFails(tiny, IdxReader::readImages, "too short");
        byte[] gzip = TestFiles.gzip(bytes);
        Path gzipCut = TestFiles.write(dir.resolve("cut.gz"), Arrays.copyOf(gzip, gzip.length / 2), false);
        assertFails(gzipCut, IdxReader::readImages, "damaged gzip data");
    }

    @Test
    void rejectsTrailingGarbage() {
        byte[] bytes = TestFiles.idxLabels(5);
        Path file = TestFiles.write(dir.resolve("labels"), Arrays.copyOf(bytes, bytes.length + 3), false);
        assertFails(file, IdxReader::readLabels, "3 unexpected trailing bytes");
    }

    @Test
    void rejectsMismatchedCountsAndLabelsOutOfRange() {
        Path images = TestFiles.write(dir.resolve("images"), TestFiles.idxImages(3), false);
        Path fourLabels = TestFiles.write(dir.resolve("four-labels"), TestFiles.idxLabels(4), false);
        IOException e = assertThrows(IOException.class, () -> IdxReader.read("mnist", images, fourLabels, 10));
        assertTrue(e.getMessage().contains("holds 4 labels but " + images + " holds 3 images"), e.getMessage());

        byte[] labelTen = TestFiles.idx(IdxReader.LABELS_MAGIC, new byte[] {1, 10, 2}, 3);
        Path badLabels = TestFiles.write(dir.resolve("bad-labels"), labelTen, false);
        e = assertThrows(IOException.class, () -> IdxReader.read("mnist", images, badLabels, 10));
        assertTrue(e.getMessage().contains(badLabels + ": label 10 at index 1 is outside [0, 10)"), e.getMessage());
    }

    private interface Reader {
        Object read(Path file) throws IOException;
    }

    /** Reading the file fails with an IOException naming the file and the problem. */
    private static void assertFails(Path file, Reader reader, String problem) {
        IOException e = assertThrows(IOException.class, () -> reader.read(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }
}
