package org.deepdefense.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deepdefense.Prerequisite;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checks the files against numpy itself; skipped where python3 with numpy is not installed. */
class NumpyInteropTest {

    /** Loads the npz, checks every entry is stored and byte-identical to np.save, prints the arrays as JSON. */
    private static final String LOAD_AND_COMPARE = """
            import io, json, sys, zipfile
            import numpy as np
            arrays = np.load(sys.argv[1])
            with zipfile.ZipFile(sys.argv[1]) as zf:
                for info in zf.infolist():
                    assert info.compress_type == zipfile.ZIP_STORED, info.filename
                    expected = io.BytesIO()
                    np.save(expected, arrays[info.filename[:-4]])
                    assert zf.read(info) == expected.getvalue(), info.filename
            print(json.dumps([{"name": name, "dtype": str(a.dtype), "shape": list(a.shape),
                               "values": a.ravel().tolist()} for name, a in arrays.items()]))
            """;

    private static final String SAVE = """
            import sys
            import numpy as np
            arrays = dict(f4=np.arange(6, dtype='<f4').reshape(2, 3) / 4, f8=np.array(-1.5),
                          i8=np.array([[-3], [2**40]], dtype='<i8'), i4=np.array([7, -7], dtype='<i4'))
            np.savez(sys.argv[1], **arrays)
            np.savez_compressed(sys.argv[2], **arrays)
            """;

    /** The interpreter: DEEPDEFENSE_PYTHON, else python3 from the PATH. */
    private static final String PYTHON = System.getenv().getOrDefault("DEEPDEFENSE_PYTHON", "python3");

    @TempDir
    Path dir;

    @BeforeAll
    static void requireNumpy() {
        Prerequisite.require(numpyAvailable(), PYTHON + " with numpy is not available (set DEEPDEFENSE_PYTHON)");
    }

    private static boolean numpyAvailable() {
        try {
            python("import numpy");
            return true;
        } catch (IOException | AssertionError e) {
            return false;
        }
    }

    @Test
    void numpyReadsWhatWeWriteAndWouldWriteTheSameBytes() throws IOException {
        List<NamedTensor> tensors = new ArrayList<>(Fixtures.tensors());
        long[] manyOnes = new long[36];
        Arrays.fill(manyOnes, 1);
        tensors.add(new NamedTensor("aligned", manyOnes, new float[] {3}));
        tensors.add(new NamedTensor("scalar", new long[0], new float[] {-1}));
        tensors.add(new NamedTensor("empty", new long[] {0, 3}, new float[0]));
        Path file = dir.resolve("params.npz");
        Npz.write(file, tensors);

        JsonNode arrays = new ObjectMapper().readTree(python(LOAD_AND_COMPARE, file.toString()));

        assertEquals(tensors.size(), arrays.size());
        for (int i = 0; i < tensors.size(); i++) {
            NamedTensor expected = tensors.get(i);
            JsonNode array = arrays.get(i);
            assertEquals(expected.name(), array.get("name").asText());
            assertEquals("float32", array.get("dtype").asText());
            assertArrayEquals(expected.shape(), longs(array.get("shape")));
            float[] values = new float[array.get("values").size()];
            for (int j = 0; j < values.length; j++) {
                values[j] = (float) array.get("values").get(j).asDouble();
            }
            assertArrayEquals(expected.data(), values, expected.name());
        }
    }

    @Test
    void weReadWhatNumpyWritesStoredAndCompressed() throws IOException {
        Path stored = dir.resolve("stored.npz");
        Path compressed = dir.resolve("compressed.npz");
        python(SAVE, stored.toString(), compressed.toString());

        for (Path file : List.of(stored, compressed)) {
            Map<String, NamedTensor> read = Npz.read(file);
            assertEquals(List.of("f4", "f8", "i8", "i4"), List.copyOf(read.keySet()));
            assertEquals(new NamedTensor("f4", new long[] {2, 3}, new float[] {0, 0.25f, 0.5f, 0.75f, 1, 1.25f}),
                    read.get("f4"));
            assertEquals(new NamedTensor("f8", new long[0], new float[] {-1.5f}), read.get("f8"));
            assertEquals(new NamedTensor("i8", new long[] {2, 1}, new float[] {-3, 1L << 40}), read.get("i8"));
            assertEquals(new NamedTensor("i4", new long[] {2}, new float[] {7, -7}), read.get("i4"));
        }
    }

    private static long[] longs(JsonNode array) {
        long[] values = new long[array.size()];
        Arrays.setAll(values, j -> array.get(j).asLong());
        return values;
    }

    /** Runs a python3 script with arguments and returns its stdout; fails on a non-zero exit. */
    private static String python(String script, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(PYTHON, "-c", script));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new AssertionError("python3 failed: " + script);
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            process.destroy();
        }
    }
}
