package org.deepdefense.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpzTest {

    @TempDir
    Path dir;

    @Test
    void roundTripKeepsNamesOrderShapesAndValues() throws IOException {
        List<NamedTensor> tensors = new ArrayList<>(Fixtures.tensors());
        tensors.add(new NamedTensor("scalar", new long[0], new float[] {Float.NaN}));
        tensors.add(new NamedTensor("empty", new long[] {0, 3}, new float[0]));
        // Larger than one 64 KiB chunk, not a multiple of it.
        float[] big = new float[50_001];
        for (int i = 0; i < big.length; i++) {
            big[i] = i * 0.5f - 7;
        }
        tensors.add(new NamedTensor("big", new long[] {3, 16_667}, big));
        Path file = dir.resolve("params.npz");

        Npz.write(file, tensors);
        Map<String, NamedTensor> read = Npz.read(file);

        assertEquals(tensors.stream().map(NamedTensor::name).toList(), List.copyOf(read.keySet()));
        tensors.forEach(t -> assertEquals(t, read.get(t.name())));
    }

    @Test
    void equalTensorsGiveIdenticalFiles() throws IOException {
        Npz.write(dir.resolve("a.npz"), Fixtures.tensors());
        Npz.write(dir.resolve("b.npz"), Fixtures.tensors());
        assertArrayEquals(Files.readAllBytes(dir.resolve("a.npz")), Files.readAllBytes(dir.resolve("b.npz")));
    }

    @Test
    void headerIsWhatNumpyWrites() {
        byte[] header = Npz.header(new long[] {2, 3});
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
        assertEquals(128, header.length);
        assertArrayEquals(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 118, 0},
                Arrays.copyOf(header, 10));
        assertEquals(dict + " ".repeat(128 - 10 - dict.length() - 1) + "\n",
                new String(header, 10, header.length - 10, StandardCharsets.US_ASCII));
    }

    @Test
    void headerPaddingMatchesNumpyIncludingItsFullBlockWhenAligned() {
        // Lengths taken from numpy 2.4's np.save; 36 dims align exactly, where numpy adds another 64 bytes.
        assertEquals(128, Npz.header(new long[0]).length);
        assertEquals(128, Npz.header(new long[] {3}).length);
        assertEquals(128, Npz.header(new long[] {1_000_000_000_000L}).length);
        long[] ones = new long[36];
        Arrays.fill(ones, 1);
        assertEquals(256, Npz.header(ones).length);
        assertTrue(new String(Npz.header(new long[] {3}), StandardCharsets.US_ASCII).contains("'shape': (3,), }"));
    }

    @Test
    void duplicateNamesAreRejectedAndNothingIsWritten() {
        NamedTensor t = Fixtures.tensors().get(0);
        Path file = dir.resolve("dup.npz");
        assertThrows(IllegalArgumentException.class, () -> Npz.write(file, List.of(t, t)));
        assertEquals(List.of(), list(dir));
    }

    @Test
    void notAZipIsAnIOException() throws IOException {
        Path file = dir.resolve("junk.npz");
        Files.writeString(file, "definitely not a zip");
        IOException e = assertThrows(IOException.class, () -> Npz.read(file));
        assertTrue(e.getMessage().contains("junk.npz"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 30, 200, 400})
    void truncatedFileIsAnIOException(int cut) throws IOException {
        Path file = dir.resolve("params.npz");
        Npz.write(file, Fixtures.tensors());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - cut));
        assertThrows(IOException.class, () -> Npz.read(file));
    }

    @Test
    void corruptDataFailsTheCrcCheckNamingTheEntry() throws IOException {
        Path file = dir.resolve("params.npz");
        Npz.write(file, Fixtures.tensors());
        byte[] bytes = Files.readAllBytes(file);
        // The first entry's data starts after the local header (30 + name) and the 128-byte .npy header.
        bytes[30 + "conv1.weight.npy".length() + 128 + 1] ^= 0x40;
        Files.write(file, bytes);
        IOException e = assertThrows(IOException.class, () -> Npz.read(file));
        assertTrue(e.getMessage().contains("'conv1.weight.npy'") && e.getMessage().contains("CRC"), e.getMessage());
    }

    @Test
    void badEntriesAreIOExceptionsNamingTheEntry() throws IOException {
        byte[] good = npy("'<f4'", "(2,)", 8);
        assertEntryRejected("x.npy", Arrays.copyOf(good, 20), "truncated");
        assertEntryRejected("x.npy", Arrays.copyOf(good, good.length - 3), "bytes");
        assertEntryRejected("x.npy", concat("NOTNUMPY".getBytes(StandardCharsets.US_ASCII), good), "magic");
        assertEntryRejected("x.npy", npy("'>f4'", "(2,)", 8), "dtype");
        assertEntryRejected("x.npy", npy("'<f4'", "(2, x)", 8), "shape");
        assertEntryRejected("x.npy", npy("'<f4'", "(-2,)", 8), "negative");
        assertEntryRejected("x.npy", npy("'<f4'", "(1000000,)", 8), "bytes");
        assertEntryRejected("x.npy",
                npyHeader(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }"), "fortran_order");
        assertEntryRejected("x.npy", npyHeader(4, "{}"), "version 4.0");
        assertEntryRejected("x.txt", good, ".npy");
    }

    @Test
    void readsOtherNumericDtypesAsFloat() throws IOException {
        ByteBuffer longs = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-3).putLong(1L << 40);
        ByteBuffer doubles = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.125);
        ByteBuffer ints = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(7);
        ByteBuffer floats = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(2.5f);
        Path file = zip(Map.of(
                "v2.npy", concat(npyHeader(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }"),
                        floats.array()),
                "l.npy", concat(npyHeader("'<i8'", "(2,)"), longs.array()),
                "d.npy", concat(npyHeader("'<f8'", "()"), doubles.array()),
                "i.npy", concat(npyHeader("'<i4'", "(1, 1)"), ints.array())));

        Map<String, NamedTensor> read = Npz.read(file);

        assertArrayEquals(new float[] {-3, 1L << 40}, read.get("l").data());
        assertArrayEquals(new float[] {0.125f}, read.get("d").data());
        assertArrayEquals(new long[] {1, 1}, read.get("i").shape());
        assertArrayEquals(new float[] {7}, read.get("i").data());
        assertArrayEquals(new float[] {2.5f}, read.get("v2").data());
    }

    @Test
    void namedTensorValidatesShapeAgainstData() {
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("w", new long[] {2, 2}, new float[3]));
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("", new long[] {1}, new float[1]));
        assertThrows(IllegalArgumentException.class, () -> new NamedTensor("w", new long[] {-1, -1}, new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> new NamedTensor("w", new long[] {1L << 40, 1L << 40, 0}, new float[1]));
        assertEquals(0, new NamedTensor("w", new long[] {1L << 40, 1L << 40, 0}, new float[0]).data().length);
    }

    private void assertEntryRejected(String entryName, byte[] content, String reason) throws IOException {
        Path file = zip(Map.of(entryName, content));
        IOException e = assertThrows(IOException.class, () -> Npz.read(file));
        assertTrue(e.getMessage().contains("'" + entryName + "'") && e.getMessage().contains(reason), e.getMessage());
    }

    /** A .npy entry with the given descr and shape, padded like numpy, followed by {@code dataBytes} zeros. */
    private static byte[] npy(String descr, String shape, int dataBytes) {
        return concat(npyHeader(descr, shape), new byte[dataBytes]);
    }

    private static byte[] npyHeader(String descr, String shape) {
        return npyHeader(1, "{'descr': " + descr + ", 'fortran_order': False, 'shape': " + shape + ", }");
    }

    private static byte[] npyHeader(int major, String dict) {
        byte[] padded = (dict + " ".repeat(63 - (10 + dict.length()) % 64) + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer header = ByteBuffer.allocate(12 + padded.length).order(ByteOrder.LITTLE_ENDIAN)
                .put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
        if (major == 1) {
            header.putShort((short) padded.length);
        } else {
            header.putInt(padded.length);
        }
        header.put(padded);
        return Arrays.copyOf(header.array(), header.position());
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    /** A deflated zip, as numpy.savez_compressed writes, with the given entries. */
    private Path zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                zip.putNextEntry(new ZipEntry(entry.getKey()));
                zip.write(entry.getValue());
                zip.closeEntry();
            }
        }
        Path file = Files.createTempFile(dir, "crafted", ".npz");
        Files.write(file, bytes.toByteArray());
        return file;
    }

    private static List<Path> list(Path dir) {
        try (var files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
