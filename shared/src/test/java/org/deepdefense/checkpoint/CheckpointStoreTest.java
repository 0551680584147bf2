package org.deepdefense.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CheckpointStoreTest {

    private static final String KEY = "run-1/epoch-0001";

    @TempDir
    Path tmp;

    private Path outside;
    private CheckpointStore store;

    @BeforeEach
    void createStore() throws IOException {
        outside = Files.createDirectory(tmp.resolve("outside"));
        store = new CheckpointStore(tmp.resolve("store"));
    }

    @Test
    void saveThenLoadRoundTrip() throws IOException {
        CheckpointMetadata saved = store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));

        Path params = store.resolve(KEY).resolve(CheckpointStore.PARAMS_FILE);
        assertEquals(CheckpointStore.sha256(params), saved.sha256());
        assertEquals(saved.toJson(), store.readMetadata(KEY).toJson());
        for (String expected : new String[] {null, saved.sha256(), saved.sha256().toUpperCase()}) {
            Checkpoint checkpoint = store.load(KEY, expected);
            assertEquals(KEY, checkpoint.key());
            assertEquals(saved.toJson(), checkpoint.metadata().toJson());
            assertEquals(Fixtures.tensors(), List.copyOf(checkpoint.tensors().values()));
        }
        Checkpoint checkpoint = store.load(KEY, null);
        assertEquals(Fixtures.tensors().get(2), checkpoint.tensor(Checkpoint.INPUT_MEAN_TENSOR));
        NoSuchElementException e = assertThrows(NoSuchElementException.class, () -> checkpoint.tensor("fc2.bias"));
        assertTrue(e.getMessage().contains("fc.bias"), e.getMessage());
    }

    @Test
    void checkpointsAreImmutable() throws IOException {
        store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        assertThrows(FileAlreadyExistsException.class,
                () -> store.save(KEY, Fixtures.tensors(), metadata(1, 0, false)));
    }

    @Test
    void missingCheckpointIsNoSuchFile() {
        assertThrows(NoSuchFileException.class, () -> store.readMetadata(KEY));
        assertThrows(NoSuchFileException.class, () -> store.load(KEY, null));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 200})
    void tamperedParamsFailTheChecksumBeforeParsing(int offset) throws IOException {
        // Offset 0 breaks the zip signature: parsing first would report a zip error instead.
        store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        Path params = store.resolve(KEY).resolve(CheckpointStore.PARAMS_FILE);
        byte[] bytes = Files.readAllBytes(params);
        bytes[offset] ^= 1;
        Files.write(params, bytes);

        assertThrows(ChecksumMismatchException.class, () -> store.load(KEY, null));
    }

    @Test
    void checksumFromAMessageMustMatch() throws IOException {
        CheckpointMetadata saved = store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        String other = "0".repeat(64);

        ChecksumMismatchException e = assertThrows(ChecksumMismatchException.class, () -> store.load(KEY, other));
        assertEquals(KEY, e.key());
        assertEquals(other, e.expectedSha256());
        assertEquals(saved.sha256(), e.actualSha256());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/etc/passwd", "run-1/../../etc", "..", "run-1/..", "./run-1", "run-1\\x",
        "..\\..\\x", "%2e%2e/x", "run-1/%2E%2E", "run-1%2fx", "run-1%5cx", "run-1/50%", "run-1\u0000x",
        "run-1/x\n", "run-1/\u007f", "run-1/.hidden", "run-1//x", "run-1/", "run-1/x y", "C:/x", "run-1/\u00fc",
        "a/b/c/d/e/f/g/h/i", "-run/x", "run-1/x:y"})
    void badKeysAreRejected(String key) {
        assertThrows(InvalidStoreKeyException.class, () -> store.resolve(key));
        assertThrows(InvalidStoreKeyException.class, () -> store.save(key, Fixtures.tensors(), metadata(1, 0, false)));
        assertThrows(InvalidStoreKeyException.class, () -> store.load(key, null));
        assertThrows(InvalidStoreKeyException.class, () -> store.readMetadata(key));
        assertTrue(list(outside).isEmpty());
    }

    @Test
    void keyLimitsAreInclusive() {
        assertThrows(InvalidStoreKeyException.class, () -> store.resolve(null));
        assertThrows(InvalidStoreKeyException.class, () -> store.resolve("r/" + "x".repeat(129)));
        assertEquals(store.root().resolve("a/b/c/d/e/f/g/h"), store.resolve("a/b/c/d/e/f/g/h"));
        assertDoesNotThrow(() -> store.resolve("r/" + "x".repeat(128)));
        assertDoesNotThrow(() -> store.resolve("Run_1.v2/epoch-0001-step-000010"));
    }

    @Test
    void runIdsAreSingleSegments() {
        assertEquals("run-1", CheckpointStore.requireValidRunId("run-1"));
        for (String bad : new String[] {null, "", "a/b", "..", ".x", "a%2fb"}) {
            assertThrows(InvalidStoreKeyException.class, () -> CheckpointStore.requireValidRunId(bad), bad);
            assertThrows(InvalidStoreKeyException.class, () -> store.latest(bad), bad);
        }
    }

    @Test
    void symlinksLeadingOutsideTheStoreAreRejected() throws IOException {
        Files.createSymbolicLink(store.root().resolve("escape"), outside);
        Files.createSymbolicLink(store.root().resolve("dangling"), outside.resolve("missing"));

        for (String key : List.of("escape", "escape/epoch-0001", "dangling", "dangling/epoch-0001")) {
            assertThrows(InvalidStoreKeyException.class, () -> store.resolve(key), key);
            assertThrows(InvalidStoreKeyException.class,
                    () -> store.save(key, Fixtures.tensors(), metadata(1, 0, false)), key);
        }
        assertTrue(list(outside).isEmpty());
        assertThrows(InvalidStoreKeyException.class, () -> store.keys("escape"));
    }

    @Test
    void symlinkedParamsFileOutsideTheStoreIsRejected() throws IOException {
        store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        Path params = store.resolve(KEY).resolve(CheckpointStore.PARAMS_FILE);
        Path copy = Files.move(params, outside.resolve("params.npz"));
        Files.createSymbolicLink(params, copy);

        assertThrows(InvalidStoreKeyException.class, () -> store.load(KEY, null));
    }

    @Test
    void symlinksWithinTheStoreAreFine() throws IOException {
        store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        Files.createSymbolicLink(store.root().resolve("alias"), store.root().resolve("run-1"));
        CheckpointStore viaLinkedRoot = new CheckpointStore(Files.createSymbolicLink(tmp.resolve("link"), store.root()));

        assertEquals(Fixtures.tensors().get(0), store.load("alias/epoch-0001", null).tensor("conv1.weight"));
        assertEquals(Fixtures.tensors().get(0), viaLinkedRoot.load(KEY, null).tensor("conv1.weight"));
    }

    @Test
    void deleteRemovesACheckpointWithWhatACrashLeftButNothingALinkPointsTo() throws IOException {
        String key = "run-1/epoch-0001-step-000010";
        store.save(key, Fixtures.tensors(), metadata(1, 10, false));
        Path folder = store.resolve(key);
        Files.writeString(folder.resolve(".params.npz.1234.tmp"), "half a file");
        Path target = Files.writeString(outside.resolve("keep"), "outside");
        Files.createSymbolicLink(folder.resolve("link"), target);

        store.delete(key);
        store.delete(key); // absent: nothing to do

        assertFalse(Files.exists(folder, LinkOption.NOFOLLOW_LINKS));
        assertEquals("outside", Files.readString(target));
        assertEquals(List.of(), store.keys("run-1"));
        assertThrows(InvalidStoreKeyException.class, () -> store.delete("../outside/keep"));
    }

    @Test
    void keyForFollowsTheNamingConvention() {
        assertEquals("run-1/epoch-0003", CheckpointStore.keyFor("run-1", 3, 0, false));
        assertEquals("run-1/epoch-0003-step-000120", CheckpointStore.keyFor("run-1", 3, 120, false));
        assertEquals("run-1/final", CheckpointStore.keyFor("run-1", 30, 0, true));
        assertThrows(InvalidStoreKeyException.class, () -> CheckpointStore.keyFor("../x", 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> CheckpointStore.keyFor("run-1", -1, 0, false));
    }

    @Test
    void latestOrdersByProgressAndFinalWins() throws IOException {
        assertEquals(Optional.empty(), store.latest("run-1"));
        save(1, 0, false);
        save(2, 50, false);
        save(9999, 0, false);
        save(10000, 0, false); // its key sorts before epoch-9999 as text
        save(2, 0, false);
        save(0, 7, false);
        assertEquals(Optional.of("run-1/epoch-10000"), store.latest("run-1"));

        save(10000, 3, false);
        assertEquals(Optional.of("run-1/epoch-10000-step-000003"), store.latest("run-1"));

        save(10000, 0, true);
        assertEquals(List.of("run-1/epoch-0000-step-000007", "run-1/epoch-0001", "run-1/epoch-0002",
                "run-1/epoch-0002-step-000050", "run-1/epoch-9999", "run-1/epoch-10000",
                "run-1/epoch-10000-step-000003", "run-1/final"), store.keys("run-1"));
        assertEquals(Optional.of("run-1/final"), store.latest("run-1"));
        assertEquals(List.of(), store.keys("other-run"));
    }

    @Test
    void incompleteAndUnreadableCheckpointsAreLeftOut() throws IOException {
        save(1, 0, false);
        Npz.write(Files.createDirectories(store.resolve("run-1/epoch-0005")).resolve(CheckpointStore.PARAMS_FILE),
                Fixtures.tensors());
        Files.writeString(Files.createDirectories(store.resolve("run-1/epoch-0006"))
                .resolve(CheckpointStore.METADATA_FILE), "{\"truncated");

        assertEquals(List.of("run-1/epoch-0001"), store.keys("run-1"));
        assertThrows(NoSuchFileException.class, () -> store.readMetadata("run-1/epoch-0005"));
        IOException e = assertThrows(IOException.class, () -> store.readMetadata("run-1/epoch-0006"));
        assertTrue(e.getMessage().contains("run-1/epoch-0006"), e.getMessage());
    }

    @Test
    void metadataAppearsOnlyAfterCompleteParams() throws IOException {
        Path dir = store.resolve(KEY);
        List<NamedTensor> tensors = Fixtures.tensors();
        List<List<String>> observed = new ArrayList<>();
        // The writer reads each tensor while params.npz is being written: look at the directory then.
        List<NamedTensor> observing = new AbstractList<>() {
            @Override
            public NamedTensor get(int index) {
                observed.add(list(dir));
                return tensors.get(index);
            }

            @Override
            public int size() {
                return tensors.size();
            }
        };

        store.save(KEY, observing, metadata(1, 0, false));

        assertEquals(tensors.size(), observed.size());
        for (List<String> files : observed) {
            assertEquals(1, files.size(), files.toString());
            assertTrue(files.get(0).matches("\\.params\\.npz\\..+\\.tmp"), files.toString());
        }
        assertEquals(List.of(CheckpointStore.METADATA_FILE, CheckpointStore.PARAMS_FILE), list(dir));
    }

    @Test
    void failedSaveLeavesNoCheckpointAndCanBeRetried() throws IOException {
        List<NamedTensor> failing = new AbstractList<>() {
            @Override
            public NamedTensor get(int index) {
                if (index == 1) {
                    throw new IllegalStateException("engine failed");
                }
                return Fixtures.tensors().get(index);
            }

            @Override
            public int size() {
                return 3;
            }
        };
        assertThrows(IllegalStateException.class, () -> store.save(KEY, failing, metadata(1, 0, false)));
        assertEquals(List.of(), list(store.resolve(KEY)));
        assertEquals(List.of(), store.keys("run-1"));

        store.save(KEY, Fixtures.tensors(), metadata(1, 0, false));
        assertEquals(List.of(KEY), store.keys("run-1"));
    }

    private void save(int epoch, int step, boolean isFinal) throws IOException {
        store.save(CheckpointStore.keyFor("run-1", epoch, step, isFinal), Fixtures.tensors(),
                metadata(epoch, step, isFinal));
    }

    private static CheckpointMetadata metadata(int epoch, int step, boolean isFinal) {
        return Fixtures.metadata("run-1", epoch, step, isFinal);
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
