package org.deepdefense.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What a checkpoint is, stored next to its parameters as {@code metadata.json}. Readers ignore unknown
 * fields, so later writers may add fields without bumping {@link #SCHEMA_VERSION}.
 *
 * @param schemaVersion     always {@link #SCHEMA_VERSION}
 * @param method            training method, e.g. {@code vanilla} or {@code deepdefense}
 * @param preprocessing     {@code per-pixel-mean-subtraction} (the mean is the tensor
 *                          {@link Checkpoint#INPUT_MEAN_TENSOR}) or {@code official-cifar} (plus
 *                          {@link Checkpoint#INPUT_CONTRAST_SCALE_TENSOR} and {@link Checkpoint#INPUT_WHITENING_TENSOR})
 * @param hyperparameters   lambda, c, d, lr, momentum, weightDecay, batchSize, epochs, seed, ...
 * @param epoch             completed epochs
 * @param stepInEpoch       0 when the epoch is complete; the steps done in epoch {@code epoch + 1} otherwise
 * @param device            e.g. {@code cpu()} or {@code gpu(0)}
 * @param createdAt         ISO-8601 UTC, e.g. {@code Instant.now().toString()}
 * @param parentCheckpoint  store key of the checkpoint this one was fine-tuned or resumed from, or null
 * @param sha256            lowercase hex SHA-256 of {@code params.npz}; set by {@link CheckpointStore#save}
 */
public record CheckpointMetadata(
        int schemaVersion,
        String runId,
        String architecture,
        String dataset,
        String method,
        String preprocessing,
        int[] inputShape,
        int numClasses,
        Map<String, Object> hyperparameters,
        int epoch,
        int stepInEpoch,
        long seed,
        Map<String, Double> metrics,
        boolean finalCheckpoint,
        String device,
        String createdAt,
        String parentCheckpoint,
        String sha256) {

    public static final int SCHEMA_VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    public CheckpointMetadata {
        require(schemaVersion == SCHEMA_VERSION,
                "unsupported schemaVersion " + schemaVersion + " (expected " + SCHEMA_VERSION + ")");
        CheckpointStore.requireValidRunId(runId);
        requireText("architecture", architecture);
        requireText("dataset", dataset);
        requireText("method", method);
        requireText("preprocessing", preprocessing);
        requireText("device", device);
        require(inputShape != null && inputShape.length > 0, "inputShape is required");
        inputShape = inputShape.clone();
        for (int dim : inputShape) {
            require(dim > 0, "inputShape dimensions must be positive");
        }
        require(numClasses > 0, "numClasses must be positive");
        hyperparameters = immutableCopy(hyperparameters);
        metrics = immutableCopy(metrics);
        require(epoch >= 0 && stepInEpoch >= 0, "epoch and stepInEpoch must not be negative");
        require(!finalCheckpoint || stepInEpoch == 0, "a final checkpoint ends an epoch (stepInEpoch 0)");
        requireText("createdAt", createdAt);
        try {
            Instant.parse(createdAt);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("createdAt is not an ISO-8601 instant: " + createdAt, e);
        }
        if (parentCheckpoint != null) {
            CheckpointStore.requireValidKey(parentCheckpoint);
        }
        require(sha256 == null || SHA256.matcher(sha256).matches(), "sha256 must be 64 lowercase hex digits");
    }

    /** A copy: the record must not share its array with the caller. */
    @Override
    public int[] inputShape() {
        return inputShape.clone();
    }

    public CheckpointMetadata withSha256(String sha256) {
        return new CheckpointMetadata(schemaVersion, runId, architecture, dataset, method, preprocessing,
                inputShape, numClasses, hyperparameters, epoch, stepInEpoch, seed, metrics, finalCheckpoint,
                device, createdAt, parentCheckpoint, sha256);
    }

    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("metadata of run " + runId + " is not serializable to JSON", e);
        }
    }

    /** Parses and validates; throws {@link IllegalArgumentException} for malformed JSON or invalid fields. */
    public static CheckpointMetadata fromJson(String json) {
        try {
            return JSON.readValue(json, CheckpointMetadata.class);
        } catch (JsonProcessingException e) {
            // Jackson wraps the constructor's validation error; surface its message, not Jackson's preamble.
            String reason = e.getCause() instanceof IllegalArgumentException invalid
                    ? invalid.getMessage() : e.getOriginalMessage();
            throw new IllegalArgumentException("invalid checkpoint metadata: " + reason, e);
        }
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void requireText(String field, String value) {
        require(value != null && !value.isBlank(), field + " is required");
    }

    /** Null-tolerant (JSON may hold nulls) and order-preserving, unlike Map.copyOf. */
    private static <V> Map<String, V> immutableCopy(Map<String, V> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
