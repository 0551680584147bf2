package org.deepdefense.checkpoint;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The safetensors format of Hugging Face, which {@code safetensors.torch.save_file(model.state_dict(), f)} writes:
 * an unsigned 64-bit little-endian header length N, N bytes of a JSON header
 * {@code {"<name>": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}} (offsets
 * relative to the data that follows, padded with spaces), then the raw little-endian tensor data. We write and read
 * float32 ({@code F32}) tensors only; reading takes the {@link TensorSchema} the file must match and checks the
 * whole header against it and against the file's size before reading any data.
 */
public final class Safetensors {

    /** Larger than any header a state_dict of our architectures needs (a few KB), far below a memory risk. */
    public static final int MAX_HEADER_BYTES = 1 << 20;
    static final String METADATA_KEY = "__metadata__";
    private static final String F32 = "F32";
    /** The reference implementation pads the header so the data starts 8-byte aligned. */
    private static final int ALIGNMENT = 8;
    private static final int CHUNK_BYTES = 1 << 16;
    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private Safetensors() {
    }

    /** The tensors of a file, in data order, and its string metadata. */
    public record Contents(LinkedHashMap<String, NamedTensor> tensors, Map<String, String> metadata) {
    }

    /** Writes the tensors in list order, with {@code metadata} as {@code __metadata__}, atomically. */
    public static void write(Path file, List<NamedTensor> tensors, Map<String, String> metadata) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA_KEY);
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (NamedTensor tensor : tensors) {
            if (tensor.name().equals(METADATA_KEY) || header.has(tensor.name())) {
                throw new IllegalArgumentException("duplicate or reserved tensor name '" + tensor.name() + "'");
            }
            ObjectNode entry = header.putObject(tensor.name());
            entry.put("dtype", F32);
            ArrayNode shape = entry.putArray("shape");
            Arrays.stream(tensor.shape()).forEach(shape::add);
            long end = offset + (long) Float.BYTES * tensor.data().length;
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + ALIGNMENT - 1) / ALIGNMENT * ALIGNMENT;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (NamedTensor tensor : tensors) {
                float[] data = tensor.data();
                for (int from = 0; from < data.length; from += CHUNK_BYTES / Float.BYTES) {
                    int count = Math.min(CHUNK_BYTES / Float.BYTES, data.length - from);
                    chunk.clear().asFloatBuffer().put(data, from, count);
                    out.write(chunk.array(), 0, count * Float.BYTES);
                }
            }
        });
    }

    /**
     * Reads a file that must hold exactly the schema's required tensors (and may hold its optional ones), float32,
     * with the schema's shapes, their data laid end to end without gaps or overlaps over the rest of the file.
     *
     * @throws IOException naming the file and what is wrong with it; nothing beyond the header and the schema's
     *     tensors is allocated
     */
    public static Contents read(Path file, TensorSchema schema) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel, schema);
        } catch (IOException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private record Entry(String name, long[] shape, long begin, long end) {
    }

    private static Contents read(FileChannel channel, TensorSchema schema) throws IOException {
        long size = channel.size();
        if (size < Long.BYTES) {
            throw new IOException("not a safetensors file: " + size + " bytes, shorter than the 8-byte header length");
        }
        long headerLength = readFully(channel, 0, Long.BYTES).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // Unsigned: a "negative" length is a huge one.
        if (headerLength < 0 || headerLength > MAX_HEADER_BYTES) {
            throw new IOException("header length " + Long.toUnsignedString(headerLength) + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes (not a safetensors file?)");
        }
        if (Long.BYTES + headerLength > size) {
            throw new IOException("header length " + headerLength + " runs past the end of the " + size + "-byte file");
        }
        byte[] headerBytes = readFully(channel, Long.BYTES, (int) headerLength).array();
        if (headerLength == 0 || headerBytes[0] != '{') {
            throw new IOException("not a safetensors file: the header is not a JSON object");
        }
        JsonNode header;
        try {
            header = JSON.readTree(new String(headerBytes, StandardCharsets.UTF_8).stripTrailing());
        } catch (JsonProcessingException e) {
            throw new IOException("malformed safetensors header: " + e.getOriginalMessage(), e);
        }
        if (header == null || !header.isObject()) {
            throw new IOException("not a safetensors file: the header is not a JSON object");
        }
        Map<String, String> metadata = metadata(header.get(METADATA_KEY));
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = header.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals(METADATA_KEY)) {
                names.add(field.getKey());
            }
        }
        schema.checkNames(names);
        for (Iterator<Map.Entry<String, JsonNode>> fields = header.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getKey().equals(METADATA_KEY)) {
                Entry entry = entry(field.getKey(), field.getValue());
                schema.checkShape(entry.name(), entry.shape());
                entries.add(entry);
            }
        }
        long dataLength = size - Long.BYTES - headerLength;
        checkLayout(entries, dataLength);
        LinkedHashMap<String, NamedTensor> tensors = new LinkedHashMap<>();
        long dataStart = Long.BYTES + headerLength;
        for (Entry entry : entries) {
            float[] data = new float[NamedTensor.elementCount(entry.shape())];
            ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            for (int from = 0; from < data.length; from += CHUNK_BYTES / Float.BYTES) {
                int count = Math.min(CHUNK_BYTES / Float.BYTES, data.length - from);
                chunk.clear().limit(count * Float.BYTES);
                readFully(channel, dataStart + entry.begin() + (long) from * Float.BYTES, chunk);
                chunk.flip().asFloatBuffer().get(data, from, count);
            }
            tensors.put(entry.name(), new NamedTensor(entry.name(), entry.shape(), data));
        }
        return new Contents(tensors, metadata);
    }

    private static Map<String, String> metadata(JsonNode node) throws IOException {
        Map<String, String> metadata = new LinkedHashMap<>();
        if (node == null) {
            return metadata;
        }
        if (!node.isObject()) {
            throw new IOException(METADATA_KEY + " must be an object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
            Map.Entry<String, JsonNode> field = fields.next();
            if (!field.getValue().isTextual()) {
                throw new IOException(METADATA_KEY + " value '" + field.getKey() + "' is not a string");
            }
            metadata.put(field.getKey(), field.getValue().textValue());
        }
        return metadata;
    }

    private static Entry entry(String name, JsonNode node) throws IOException {
        if (!node.isObject() || !node.path("dtype").isTextual() || !node.path("shape").isArray()
                || !node.path("data_offsets").isArray() || node.size() != 3) {
            throw new IOException("tensor '" + name + "': expected {\"dtype\", \"shape\", \"data_offsets\"}, got " + node);
        }
        String dtype = node.get("dtype").textValue();
        if (!dtype.equals(F32)) {
            throw new IOException("tensor '" + name + "' has dtype " + dtype + ", expected " + F32
                    + " (save float32 tensors, e.g. {k: v.float() for k, v in state_dict.items()})");
        }
        long[] shape = longs(name, "shape", node.get("shape"));
        long[] offsets = longs(name, "data_offsets", node.get("data_offsets"));
        if (offsets.length != 2 || offsets[0] > offsets[1]) {
            throw new IOException("tensor '" + name + "': data_offsets " + Arrays.toString(offsets)
                    + " is not [begin, end] with begin <= end");
        }
        return new Entry(name, shape, offsets[0], offsets[1]);
    }

    private static long[] longs(String name, String field, JsonNode array) throws IOException {
        long[] values = new long[array.size()];
        for (int i = 0; i < values.length; i++) {
            JsonNode value = array.get(i);
            if (!value.canConvertToExactIntegral() || !value.canConvertToLong() || value.longValue() < 0) {
                throw new IOException("tensor '" + name + "': " + field + " " + array
                        + " must hold non-negative integers");
            }
            values[i] = value.longValue();
        }
        return values;
    }

    /** Each tensor's byte range must fit its shape, and the ranges must tile the data exactly, as the format says. */
    private static void checkLayout(List<Entry> entries, long dataLength) throws IOException {
        for (Entry entry : entries) {
            long bytes = (long) Float.BYTES * NamedTensor.elementCount(entry.shape());
            if (entry.end() - entry.begin() != bytes) {
                throw new IOException("tensor '" + entry.name() + "': data_offsets [" + entry.begin() + ", "
                        + entry.end() + "] span " + (entry.end() - entry.begin()) + " bytes, its shape "
                        + Arrays.toString(entry.shape()) + " of F32 needs " + bytes);
            }
        }
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long next = 0;
        for (Entry entry : byOffset) {
            if (entry.begin() != next) {
                throw new IOException("tensor '" + entry.name() + "' starts at data offset " + entry.begin()
                        + ", expected " + next + (entry.begin() < next ? " (overlaps the previous tensor)" : " (gap)"));
            }
            next = entry.end();
        }
        if (next != dataLength) {
            throw new IOException("the header describes " + next + " bytes of tensor data, the file holds "
                    + dataLength);
        }
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        readFully(channel, position, buffer);
        return buffer.flip();
    }

    private static void readFully(FileChannel channel, long position, ByteBuffer buffer) throws IOException {
        long at = position;
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, at);
            if (n < 0) {
                throw new EOFException("truncated at byte " + at);
            }
            at += n;
        }
    }
}
