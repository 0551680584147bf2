package org.deepdefense.checkpoint;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A directory of checkpoints: {@code <root>/<key>/params.npz} and {@code <root>/<key>/metadata.json}.
 * Keys are store-relative ({@code <runId>/epoch-0003}); they travel in messages, so {@link #resolve} treats
 * them as untrusted. A checkpoint exists once its metadata.json does, and is never overwritten.
 * One writer per key is assumed (a run is trained by one trainer at a time).
 */
public final class CheckpointStore {

    public static final String PARAMS_FILE = "params.npz";
    public static final String METADATA_FILE = "metadata.json";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final int MAX_SEGMENTS = 8;
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    /** Resume order: a final checkpoint wins, then completed epochs, then progress within the next epoch. */
    private static final Comparator<CheckpointMetadata> PROGRESS =
            Comparator.comparing(CheckpointMetadata::finalCheckpoint)
                    .thenComparingInt(CheckpointMetadata::epoch)
                    .thenComparingInt(CheckpointMetadata::stepInEpoch);

    private final Path root;
    private final Path realRoot;

    public CheckpointStore(Path root) throws IOException {
        this.root = Files.createDirectories(root.toAbsolutePath().normalize());
        this.realRoot = this.root.toRealPath();
    }

    public Path root() {
        return root;
    }

    /**
     * Writes params.npz, then metadata.json with the params' SHA-256, each atomically; metadata last, so a
     * reader never sees a checkpoint whose params are incomplete.
     *
     * @return the metadata as saved, with {@code sha256} filled in
     * @throws FileAlreadyExistsException if a checkpoint with this key exists
     */
    public CheckpointMetadata save(String key, List<NamedTensor> tensors, CheckpointMetadata metadata)
            throws IOException {
        Objects.requireNonNull(metadata, "metadata");
        Path metadataFile = file(key, METADATA_FILE);
        if (Files.exists(metadataFile, LinkOption.NOFOLLOW_LINKS)) {
            throw new FileAlreadyExistsException(metadataFile.toString(), null,
                    "checkpoint '" + key + "' exists; checkpoints are immutable");
        }
        Files.createDirectories(metadataFile.getParent());
        Path params = file(key, PARAMS_FILE);
        Npz.write(params, tensors);
        CheckpointMetadata saved = metadata.withSha256(sha256(params));
        byte[] json = saved.toJson().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.write(metadataFile, out -> out.write(json));
        return saved;
    }

    /**
     * Loads a checkpoint after checking the SHA-256 of its params file, before that file is parsed.
     *
     * @param expectedSha256 the checksum a message carried, or null to trust metadata.json's; either way the
     *                       file must also match metadata.json
     */
    public Checkpoint load(String key, String expectedSha256) throws IOException {
        CheckpointMetadata metadata = readMetadata(key);
        Path params = file(key, PARAMS_FILE);
        String actual = sha256(params);
        if (expectedSha256 != null && !expectedSha256.equalsIgnoreCase(actual)) {
            throw new ChecksumMismatchException(key, expectedSha256, actual);
        }
        if (!actual.equals(metadata.sha256())) {
            throw new ChecksumMismatchException(key, metadata.sha256(), actual);
        }
        return new Checkpoint(key, metadata, Npz.read(params));
    }

    /**
     * Deletes a checkpoint that nobody was told about (a trainer's superseded resume point): metadata.json first,
     * so that it stops being a checkpoint at once, then what else its folder holds (the params, temp files a
     * crash left behind; links themselves, never their targets) and the folder. An absent checkpoint is fine.
     */
    public void delete(String key) throws IOException {
        Path folder = resolve(key);
        Files.deleteIfExists(file(key, METADATA_FILE));
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path file : files) {
                Files.delete(file);
            }
        }
        Files.delete(folder);
    }

    public CheckpointMetadata readMetadata(String key) throws IOException {
        Path metadataFile = file(key, METADATA_FILE);
        String json;
        try {
            json = Files.readString(metadataFile);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(metadataFile.toString(), null, "no checkpoint '" + key + "' in the store");
        }
        try {
            return CheckpointMetadata.fromJson(json);
        } catch (IllegalArgumentException e) {
            throw new IOException("checkpoint '" + key + "': " + e.getMessage(), e);
        }
    }

    /** The latest checkpoint of a run to resume from: the last of {@link #keys}. */
    public Optional<String> latest(String runId) {
        List<String> keys = keys(runId);
        return keys.isEmpty() ? Optional.empty() : Optional.of(keys.get(keys.size() - 1));
    }

    /**
     * The complete checkpoints {@code <runId>/<name>} of a run, oldest first by their metadata (see
     * {@link #latest}); ties by key. Unreadable checkpoints are logged and left out.
     */
    public List<String> keys(String runId) {
        Path runDir = resolve(requireValidRunId(runId));
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        Map<String, CheckpointMetadata> found = new HashMap<>();
        try (DirectoryStream<Path> children = Files.newDirectoryStream(runDir)) {
            for (Path child : children) {
                String name = child.getFileName().toString();
                // Skips temp files and checkpoints still being written (params.npz without metadata.json).
                if (!SEGMENT.matcher(name).matches() || !Files.exists(child.resolve(METADATA_FILE))) {
                    continue;
                }
                String key = runId + "/" + name;
                try {
                    found.put(key, readMetadata(key));
                } catch (IOException | IllegalArgumentException e) {
                    LOG.warn("Skipping unreadable checkpoint: {}", e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints of run " + runId, e);
        }
        return found.entrySet().stream()
                .sorted(Map.Entry.<String, CheckpointMetadata>comparingByValue(PROGRESS)
                        .thenComparing(Map.Entry.comparingByKey()))
                .map(Map.Entry::getKey)
                .toList();
    }

    /**
     * The conventional key of a checkpoint: {@code <runId>/epoch-0003} after 3 completed epochs,
     * {@code <runId>/epoch-0003-step-000120} 120 steps into the 4th, {@code <runId>/final}.
     */
    public static String keyFor(String runId, int epoch, int stepInEpoch, boolean isFinal) {
        requireValidRunId(runId);
        if (epoch < 0 || stepInEpoch < 0) {
            throw new IllegalArgumentException("epoch and stepInEpoch must not be negative");
        }
        if (isFinal) {
            return runId + "/final";
        }
        return stepInEpoch == 0 ? String.format("%s/epoch-%04d", runId, epoch)
                : String.format("%s/epoch-%04d-step-%06d", runId, epoch, stepInEpoch);
    }

    /**
     * The only way from a key to a path. Rejects keys that are empty, absolute, contain backslashes,
     * '%', control characters or '..', have more than 8 segments or a segment not matching
     * {@code [A-Za-z0-9][A-Za-z0-9._-]{0,127}}, or lead outside the store through a symbolic link.
     */
    public Path resolve(String key) {
        return contained(realRoot, root.resolve(requireValidKey(key)), key);
    }

    /**
     * A key under another root with the store's rules (e.g. a dataset root under the data directory named in a
     * message): the syntax of {@link #requireValidKey}, and no way out through a symbolic link.
     */
    public static Path resolveUnder(Path root, String key) throws IOException {
        Path absolute = root.toAbsolutePath().normalize();
        return contained(absolute.toRealPath(), absolute.resolve(requireValidKey(key)), key);
    }

    /** Checks a key's syntax, without a store; see {@link #resolve}. Returns the key. */
    public static String requireValidKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new InvalidStoreKeyException(key, "empty");
        }
        // Specific reasons first, for clear messages; the segment rule below would reject all of them too.
        if (key.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidStoreKeyException(key, "control character");
        }
        if (key.indexOf('%') >= 0) {
            throw new InvalidStoreKeyException(key, "'%' (percent-encoding) is not allowed");
        }
        if (key.indexOf('\\') >= 0) {
            throw new InvalidStoreKeyException(key, "backslash");
        }
        if (key.startsWith("/")) {
            throw new InvalidStoreKeyException(key, "absolute path");
        }
        String[] segments = key.split("/", -1);
        if (segments.length > MAX_SEGMENTS) {
            throw new InvalidStoreKeyException(key, "more than " + MAX_SEGMENTS + " segments");
        }
        for (String segment : segments) {
            if (segment.equals("..")) {
                throw new InvalidStoreKeyException(key, "'..' segment");
            }
            requireValidSegment(key, segment);
        }
        return key;
    }

    /** A run id is one key segment. Returns the run id. */
    public static String requireValidRunId(String runId) {
        if (runId == null) {
            throw new InvalidStoreKeyException(null, "empty run id");
        }
        requireValidSegment(runId, runId);
        return runId;
    }

    /** SHA-256 of a file as lowercase hex, the form stored in metadata and carried in messages. */
    public static String sha256(Path file) throws IOException {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(digest.digest());
    }

    private static void requireValidSegment(String key, String segment) {
        if (!SEGMENT.matcher(segment).matches()) {
            throw new InvalidStoreKeyException(key, "segment '" + segment + "' does not match " + SEGMENT);
        }
    }

    private Path file(String key, String fileName) {
        return contained(realRoot, resolve(key).resolve(fileName), key);
    }

    /**
     * Returns {@code path} if, following symbolic links, it stays inside the store. Checking the deepest
     * existing part suffices: the rest does not exist yet, so it cannot be a link.
     */
    private static Path contained(Path realRoot, Path path, String key) {
        Path existing = path;
        while (!Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
            existing = existing.getParent();
        }
        Path real;
        try {
            real = existing.toRealPath();
        } catch (IOException e) {
            throw new InvalidStoreKeyException(key, "cannot resolve " + existing + " (dangling link?): " + e);
        }
        if (!real.startsWith(realRoot)) {
            throw new InvalidStoreKeyException(key, "leads outside " + realRoot + " through a symbolic link");
        }
        return path;
    }
}
