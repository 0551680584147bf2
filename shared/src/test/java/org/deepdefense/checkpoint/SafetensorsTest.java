package org.deepdefense.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {

    @TempDir
    Path dir;

    private final TensorSchema schema = TensorSchema.of(Fixtures.tensors());

    @Test
    void roundTripKeepsTensorsOrderAndMetadata() throws IOException {
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, Fixtures.tensors(), Map.of("format", "pt"));

        Safetensors.Contents read = Safetensors.read(file, schema);

        assertEquals(Fixtures.tensors(), List.copyOf(read.tensors().values()));
        assertEquals(Map.of("format", "pt"), read.metadata());
    }

    @Test
    void layoutIsTheFormatsLittleEndianLengthPaddedJsonThenData() throws IOException {
        Path file = dir.resolve("model.safetensors");
        NamedTensor t = new NamedTensor("w", new long[] {2}, new float[] {1.5f, -2});
        Safetensors.write(file, List.of(t), Map.of());
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = bytes.getLong();
        assertEquals(0, headerLength % 8, "data starts 8-byte aligned");
        String header = new String(bytes.array(), 8, (int) headerLength, StandardCharsets.UTF_8);
        assertEquals("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header.strip());
        bytes.position(8 + (int) headerLength);
        assertEquals(1.5f, bytes.getFloat());
        assertEquals(-2f, bytes.getFloat());
        assertEquals(bytes.capacity(), bytes.position());
    }

    @Test
    void readsWhatTheReferenceWriterLaysOutDifferently() throws IOException {
        // Metadata last, tensors out of data order, no padding: all valid safetensors.
        Path file = file("{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"__metadata__\":{\"format\":\"pt\"}}",
                new float[] {3, 4});
        TensorSchema ab = new TensorSchema(Map.of("a", new long[] {1}, "b", new long[] {1}), Map.of());
        Safetensors.Contents read = Safetensors.read(file, ab);
        assertArrayEquals(new float[] {3}, read.tensors().get("a").data());
        assertArrayEquals(new float[] {4}, read.tensors().get("b").data());
    }

    @Test
    void missingAndExtraTensorsAreNamed() throws IOException {
        Path file = dir.resolve("model.safetensors");
        List<NamedTensor> tensors = List.of(Fixtures.tensors().get(0),
                new NamedTensor("fc.bais", new long[] {3}, new float[3]), Fixtures.tensors().get(2));
        Safetensors.write(file, tensors, Map.of());
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(file, schema));
        assertTrue(e.getMessage().contains("missing tensors [fc.bias]"), e.getMessage());
        assertTrue(e.getMessage().contains("unexpected tensors [fc.bais]"), e.getMessage());
        assertTrue(e.getMessage().startsWith(file.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void aWrongShapeGivesExpectedAndFound() throws IOException {
        Path file = dir.resolve("model.safetensors");
        List<NamedTensor> tensors = List.of(Fixtures.tensors().get(0),
                new NamedTensor("fc.bias", new long[] {1, 3}, new float[3]), Fixtures.tensors().get(2));
        Safetensors.write(file, tensors, Map.of());
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(file, schema));
        assertTrue(e.getMessage().contains("tensor 'fc.bias' has shape [1, 3], expected [3]"), e.getMessage());
    }

    @Test
    void otherDtypesAreRefused() throws IOException {
        Path file = file("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", new float[] {0});
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(file, oneTensor(2)));
        assertTrue(e.getMessage().contains("tensor 'a' has dtype F16, expected F32"), e.getMessage());
    }

    @Test
    void headersThatLieAboutOffsetsOrSizesAreRefused() throws IOException {
        String[][] lies = {
            // A range too short for the shape.
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}}", "span 4 bytes"},
            // Past the end of the file: the file holds 8 bytes of data.
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", "starts at data offset 8, expected 0"},
            // Fits its shape but leaves data unaccounted for.
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", "has shape [1], expected [2]"},
            // Begin after end, and a huge end that would overflow a naive size computation.
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", "begin <= end"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,9223372036854775807]}}", "span"},
            {"{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", "non-negative integers"},
        };
        for (String[] lie : lies) {
            Path file = file(lie[0], new float[] {1, 2});
            IOException e = assertThrows(IOException.class, () -> Safetensors.read(file, oneTensor(2)), lie[0]);
            assertTrue(e.getMessage().contains(lie[1]), lie[0] + " -> " + e.getMessage());
        }
        // Two tensors claiming the same bytes.
        Path overlap = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new float[] {1, 2, 3});
        TensorSchema ab = new TensorSchema(Map.of("a", new long[] {2}, "b", new long[] {2}), Map.of());
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(overlap, ab));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
        // The right offsets over a file cut short.
        Path truncated = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new float[] {1});
        e = assertThrows(IOException.class, () -> Safetensors.read(truncated, oneTensor(2)));
        assertTrue(e.getMessage().contains("describes 8 bytes of tensor data, the file holds 4"), e.getMessage());
    }

    @Test
    void aHeaderOverTheLimitIsRefusedBeforeItIsRead() throws IOException {
        Path file = dir.resolve("huge.safetensors");
        // Claims a 2 GB header in a 16-byte file: refused by its length, nothing allocated for it.
        Files.write(file, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(2_000_000_000L).array());
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(file, oneTensor(2)));
        assertTrue(e.getMessage().contains("exceeds the limit of " + Safetensors.MAX_HEADER_BYTES), e.getMessage());

        Path longer = dir.resolve("longer.safetensors");
        Files.write(longer, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        e = assertThrows(IOException.class, () -> Safetensors.read(longer, oneTensor(2)));
        assertTrue(e.getMessage().contains("runs past the end"), e.getMessage());
    }

    @Test
    void filesOfAnotherFormatAreRefused() throws IOException {
        Path npz = dir.resolve("model.npz");
        Npz.write(npz, Fixtures.tensors());
        IOException e = assertThrows(IOException.class, () -> Safetensors.read(npz, schema));
        assertTrue(e.getMessage().contains("not a safetensors file?"), e.getMessage());

        Path text = dir.resolve("model.txt");
        Files.writeString(text, "hello");
        e = assertThrows(IOException.class, () -> Safetensors.read(text, schema));
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());

        Path notJson = file("[1, 2]", new float[0]);
        e = assertThrows(IOException.class, () -> Safetensors.read(notJson, schema));
        assertTrue(e.getMessage().contains("not a JSON object"), e.getMessage());

        Path duplicate = file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new float[] {1, 2});
        e = assertThrows(IOException.class, () -> Safetensors.read(duplicate, oneTensor(2)));
        assertTrue(e.getMessage().contains("Duplicate field 'a'"), e.getMessage());
    }

    @Test
    void safetensorsAndNpzOfTheSameTensorsReadBackEqual() throws IOException {
        Safetensors.write(dir.resolve("m.safetensors"), Fixtures.tensors(), Map.of());
        Npz.write(dir.resolve("m.npz"), Fixtures.tensors());
        assertEquals(Npz.read(dir.resolve("m.npz"), schema), Safetensors.read(dir.resolve("m.safetensors"), schema).tensors());
    }

    @Test
    void npzFromOutsideIsCheckedAgainstTheSchemaToo() throws IOException {
        Path file = dir.resolve("model.npz");
        Npz.write(file, List.of(Fixtures.tensors().get(0), new NamedTensor("fc.bias", new long[] {4}, new float[4]),
                Fixtures.tensors().get(2)));
        IOException e = assertThrows(IOException.class, () -> Npz.read(file, schema));
        assertTrue(e.getMessage().contains("tensor 'fc.bias' has shape [4], expected [3]"), e.getMessage());

        Npz.write(file, Fixtures.tensors().subList(0, 2));
        TensorSchema withOptionalMean = new TensorSchema(Map.of("conv1.weight", new long[] {2, 1, 2, 2},
                "fc.bias", new long[] {3}), Map.of(Checkpoint.INPUT_MEAN_TENSOR, new long[] {1, 2, 2}));
        assertEquals(2, Npz.read(file, withOptionalMean).size(), "an optional tensor may be absent");
        e = assertThrows(IOException.class, () -> Npz.read(file, schema));
        assertTrue(e.getMessage().contains("missing tensors [input_mean]"), e.getMessage());

        Path safetensors = dir.resolve("model.safetensors");
        Safetensors.write(safetensors, Fixtures.tensors(), Map.of());
        e = assertThrows(IOException.class, () -> Npz.read(safetensors, schema));
        assertTrue(e.getMessage().contains("is not a readable npz (zip) file"), e.getMessage());
    }

    private TensorSchema oneTensor(long size) {
        return new TensorSchema(Map.of("a", new long[] {size}), Map.of());
    }

    /** A safetensors file with a hand-written header over the given float data. */
    private Path file(String header, float[] data) throws IOException {
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer bytes = ByteBuffer.allocate(8 + json.length + 4 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        bytes.putLong(json.length).put(json);
        for (float value : data) {
            bytes.putFloat(value);
        }
        Path file = Files.createTempFile(dir, "hand", ".safetensors");
        Files.write(file, bytes.array());
        return file;
    }
}
