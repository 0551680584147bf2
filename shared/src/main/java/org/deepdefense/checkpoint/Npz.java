package org.deepdefense.checkpoint;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.CheckedInputStream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy {@code .npz} files: a zip of {@code <name>.npy} entries (format 1.0, {@code '<f4'}, C order),
 * laid out exactly as {@code numpy.savez} writes them so that {@code numpy.load} and
 * {@code torch.from_numpy} read them directly. Reading also accepts {@code '<f8'}, {@code '<i4'} and
 * {@code '<i8'} (converted to float) and format versions 2.0 and 3.0.
 */
public final class Npz {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final String ENTRY_SUFFIX = ".npy";
    private static final int ALIGNMENT = 64;
    /** numpy pads the header so the first axis can grow in place to this many digits. */
    private static final int GROWTH_AXIS_MAX_DIGITS = 21;
    /** numpy.load's default limit; bounds what a hostile header can make us allocate. */
    private static final int MAX_HEADER_LENGTH = 10_000;
    private static final int CHUNK_BYTES = 1 << 16;
    /** A fixed entry time makes equal tensors give byte-identical files, hence equal checksums. */
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN_ORDER = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npz() {
    }

    /** Writes the tensors in list order, atomically (temp file + move). Names must be unique. */
    public static void write(Path file, List<NamedTensor> tensors) throws IOException {
        AtomicFiles.write(file, out -> {
            ZipOutputStream zip = new ZipOutputStream(out);
            Set<String> names = new HashSet<>();
            for (NamedTensor tensor : tensors) {
                if (!names.add(tensor.name())) {
                    throw new IllegalArgumentException("duplicate tensor name '" + tensor.name() + "'");
                }
                writeEntry(zip, tensor);
            }
            zip.finish(); // not close(): the caller owns the stream
        });
    }

    /** Reads all entries in file order, keyed by tensor name (entry name without {@code .npy}). */
    public static LinkedHashMap<String, NamedTensor> read(Path file) throws IOException {
        return read(file, null);
    }

    /**
     * Reads a file from outside: it must hold the schema's tensors as {@code '<f4'} arrays of the schema's shapes.
     * Names are checked from the zip directory and each shape from its .npy header before the data is read, so
     * nothing larger than the schema's tensors is allocated.
     */
    public static LinkedHashMap<String, NamedTensor> read(Path file, TensorSchema schema) throws IOException {
        LinkedHashMap<String, NamedTensor> tensors = new LinkedHashMap<>();
        try (ZipFile zip = openZip(file)) {
            List<? extends ZipEntry> entries = Collections.list(zip.entries());
            if (schema != null) {
                List<String> names = new ArrayList<>();
                for (ZipEntry entry : entries) {
                    if (!entry.getName().endsWith(ENTRY_SUFFIX)) {
                        throw new IOException(file + ": entry '" + entry.getName() + "' is not a " + ENTRY_SUFFIX);
                    }
                    names.add(tensorName(entry));
                }
                try {
                    schema.checkNames(names);
                } catch (IOException e) {
                    throw new IOException(file + ": " + e.getMessage(), e);
                }
            }
            for (ZipEntry entry : entries) {
                try (CheckedInputStream in = new CheckedInputStream(zip.getInputStream(entry), new CRC32())) {
                    NamedTensor tensor = readEntry(entry, in, schema);
                    // ZipFile does not verify entry CRCs; without this, corrupt data would load as wrong weights.
                    if (in.getChecksum().getValue() != entry.getCrc()) {
                        throw new IOException("CRC mismatch");
                    }
                    if (tensors.putIfAbsent(tensor.name(), tensor) != null) {
                        throw new IOException("duplicate entry");
                    }
                } catch (IOException | IllegalArgumentException e) {
                    throw new IOException(file + ": entry '" + entry.getName() + "': " + e.getMessage(), e);
                }
            }
        }
        return tensors;
    }

    /** The .npy v1.0 header for a float32 C-order array, byte-identical to what {@code numpy.save} writes. */
    static byte[] header(long[] shape) {
        StringBuilder dict = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': ")
                .append(pythonTuple(shape))
                .append(", }");
        if (shape.length > 0) {
            dict.append(" ".repeat(GROWTH_AXIS_MAX_DIGITS - Long.toString(shape[0]).length()));
        }
        // Magic, version, length field, dict and '\n' end on a multiple of 64; numpy pads a full 64 when
        // already aligned.
        int unpadded = MAGIC.length + 2 + Short.BYTES + dict.length() + 1;
        dict.append(" ".repeat(ALIGNMENT - unpadded % ALIGNMENT)).append('\n');
        if (dict.length() > 0xFFFF) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " is too long for .npy 1.0");
        }
        return ByteBuffer.allocate(MAGIC.length + 2 + Short.BYTES + dict.length())
                .order(ByteOrder.LITTLE_ENDIAN)
                .put(MAGIC)
                .put((byte) 1).put((byte) 0)
                .putShort((short) dict.length())
                .put(dict.toString().getBytes(StandardCharsets.US_ASCII))
                .array();
    }

    private static String pythonTuple(long[] shape) {
        StringBuilder tuple = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            tuple.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return tuple.append(shape.length == 1 ? ",)" : ")").toString();
    }

    private static void writeEntry(ZipOutputStream zip, NamedTensor tensor) throws IOException {
        byte[] header = header(tensor.shape());
        float[] data = tensor.data();
        // Stored (uncompressed) like numpy.savez; zip requires the CRC of a stored entry up front.
        CRC32 crc = new CRC32();
        crc.update(header);
        forEachChunk(data, crc::update);
        ZipEntry entry = new ZipEntry(tensor.name() + ENTRY_SUFFIX);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(header.length + (long) Float.BYTES * data.length);
        entry.setCrc(crc.getValue());
        entry.setTimeLocal(ENTRY_TIME);
        zip.putNextEntry(entry);
        zip.write(header);
        forEachChunk(data, zip::write);
        zip.closeEntry();
    }

    @FunctionalInterface
    private interface ByteSink {
        void accept(byte[] bytes, int offset, int length) throws IOException;
    }

    /** Feeds the little-endian bytes of {@code data} to {@code sink} without a full-size copy. */
    private static void forEachChunk(float[] data, ByteSink sink) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        int perChunk = CHUNK_BYTES / Float.BYTES;
        for (int from = 0; from < data.length; from += perChunk) {
            int count = Math.min(perChunk, data.length - from);
            chunk.clear().asFloatBuffer().put(data, from, count);
            sink.accept(chunk.array(), 0, count * Float.BYTES);
        }
    }

    private static ZipFile openZip(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new IOException(file + " is not a readable npz (zip) file: " + e.getMessage(), e);
        }
    }

    private static String tensorName(ZipEntry entry) {
        return entry.getName().substring(0, entry.getName().length() - ENTRY_SUFFIX.length());
    }

    private static NamedTensor readEntry(ZipEntry entry, InputStream in, TensorSchema schema) throws IOException {
        String entryName = entry.getName();
        if (!entryName.endsWith(ENTRY_SUFFIX)) {
            throw new IOException("not a " + ENTRY_SUFFIX + " entry");
        }
        Header header = readHeader(in);
        if (schema != null) {
            if (header.dtype() != Dtype.F4) {
                throw new IOException("tensor '" + tensorName(entry) + "' has dtype " + header.dtype().descr
                        + ", expected <f4 (float32)");
            }
            schema.checkShape(tensorName(entry), header.shape());
        }
        int count = NamedTensor.elementCount(header.shape());
        // Checked before allocating, so a lying header cannot make us allocate more than the entry holds.
        long expectedSize = header.length() + (long) count * header.dtype().size;
        if (entry.getSize() != expectedSize) {
            throw new IOException("header declares " + header.dtype().descr + " " + Arrays.toString(header.shape())
                    + " (" + expectedSize + " bytes) but the entry has " + entry.getSize() + " bytes");
        }
        float[] data = new float[count];
        readData(in, header.dtype(), data);
        return new NamedTensor(tensorName(entry), header.shape(), data);
    }

    private record Header(Dtype dtype, long[] shape, long length) {
    }

    private static Header readHeader(InputStream in) throws IOException {
        byte[] prefix = readFully(in, MAGIC.length + 2, "magic");
        if (!Arrays.equals(prefix, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new IOException("not a .npy entry (no \\x93NUMPY magic)");
        }
        int major = prefix[MAGIC.length];
        int lengthBytes = switch (major) {
            case 1 -> Short.BYTES;
            case 2, 3 -> Integer.BYTES;
            default -> throw new IOException("unsupported .npy version " + major + "." + prefix[MAGIC.length + 1]);
        };
        ByteBuffer lengthField = ByteBuffer.wrap(readFully(in, lengthBytes, "header length"))
                .order(ByteOrder.LITTLE_ENDIAN);
        long dictLength = major == 1 ? Short.toUnsignedInt(lengthField.getShort())
                : Integer.toUnsignedLong(lengthField.getInt());
        if (dictLength > MAX_HEADER_LENGTH) {
            throw new IOException("header of " + dictLength + " bytes exceeds " + MAX_HEADER_LENGTH);
        }
        String dict = new String(readFully(in, (int) dictLength, "header"),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        if (!headerField(FORTRAN_ORDER, dict).equals("False")) {
            throw new IOException("fortran_order arrays are not supported");
        }
        return new Header(Dtype.of(headerField(DESCR, dict)), parseShape(headerField(SHAPE, dict)),
                prefix.length + lengthBytes + dictLength);
    }

    private static String headerField(Pattern field, String dict) throws IOException {
        Matcher matcher = field.matcher(dict);
        if (!matcher.find()) {
            throw new IOException("malformed .npy header " + dict.strip());
        }
        return matcher.group(1);
    }

    private static long[] parseShape(String tuple) throws IOException {
        try {
            return Arrays.stream(tuple.split(","))
                    .map(String::strip)
                    .filter(dim -> !dim.isEmpty())
                    .mapToLong(Long::parseLong)
                    .toArray();
        } catch (NumberFormatException e) {
            throw new IOException("malformed shape (" + tuple + ")", e);
        }
    }

    private static void readData(InputStream in, Dtype dtype, float[] out) throws IOException {
        int perChunk = CHUNK_BYTES / dtype.size;
        ByteBuffer chunk = ByteBuffer.allocate(perChunk * dtype.size).order(ByteOrder.LITTLE_ENDIAN);
        for (int from = 0; from < out.length; from += perChunk) {
            int count = Math.min(perChunk, out.length - from);
            readFully(in, chunk.array(), count * dtype.size, "data");
            dtype.decode(chunk.clear(), out, from, count);
        }
    }

    private static byte[] readFully(InputStream in, int length, String what) throws IOException {
        byte[] bytes = new byte[length];
        readFully(in, bytes, length, what);
        return bytes;
    }

    private static void readFully(InputStream in, byte[] bytes, int length, String what) throws IOException {
        if (in.readNBytes(bytes, 0, length) < length) {
            throw new EOFException("truncated " + what);
        }
    }

    /** The element types we read; all become float32. */
    private enum Dtype {
        F4("<f4", 4), F8("<f8", 8), I4("<i4", 4), I8("<i8", 8);

        final String descr;
        final int size;

        Dtype(String descr, int size) {
            this.descr = descr;
            this.size = size;
        }

        static Dtype of(String descr) throws IOException {
            for (Dtype dtype : values()) {
                if (dtype.descr.equals(descr)) {
                    return dtype;
                }
            }
            throw new IOException("unsupported dtype '" + descr + "' (expected <f4, <f8, <i4 or <i8)");
        }

        void decode(ByteBuffer in, float[] out, int offset, int count) {
            switch (this) {
                case F4 -> in.asFloatBuffer().get(out, offset, count);
                case F8 -> {
                    for (int i = 0; i < count; i++) {
                        out[offset + i] = (float) in.getDouble();
                    }
                }
                case I4 -> {
                    for (int i = 0; i < count; i++) {
                        out[offset + i] = in.getInt();
                    }
                }
                case I8 -> {
                    for (int i = 0; i < count; i++) {
                        out[offset + i] = in.getLong();
                    }
                }
            }
        }
    }
}
