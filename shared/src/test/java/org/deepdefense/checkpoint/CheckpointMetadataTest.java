package org.deepdefense.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CheckpointMetadataTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String SHA = "ab".repeat(32);

    private final CheckpointMetadata metadata = Fixtures.metadata("run-1", 3, 120, false);

    @Test
    void jsonRoundTrip() {
        CheckpointMetadata read = CheckpointMetadata.fromJson(metadata.toJson());

        assertEquals(metadata.toJson(), read.toJson());
        assertArrayEquals(new int[] {1, 28, 28}, read.inputShape());
        assertEquals(Map.of("lambda", 15.0, "batchSize", 128), read.hyperparameters());
        assertEquals(Map.of("trainLoss", 0.25), read.metrics());
        assertEquals(120, read.stepInEpoch());
        assertNull(read.sha256());
    }

    @Test
    void unknownFieldsAreIgnored() throws Exception {
        ObjectNode json = json(metadata);
        json.putObject("addedLater").put("x", 1);
        assertEquals(metadata.toJson(), CheckpointMetadata.fromJson(json.toString()).toJson());
    }

    @Test
    void withSha256ChangesOnlyTheChecksum() throws Exception {
        ObjectNode expected = json(metadata).put("sha256", SHA);
        assertEquals(expected, json(metadata.withSha256(SHA)));
    }

    @Test
    void inputShapeIsNotShared() {
        int[] shape = {3, 32, 32};
        CheckpointMetadata m = new CheckpointMetadata(1, "r", "resnet", "cifar10", "vanilla", "none", shape, 10,
                null, 0, 0, 1, null, false, "gpu(0)", "2024-01-01T00:00:00Z", null, null);
        shape[0] = 1;
        m.inputShape()[1] = 1;
        assertArrayEquals(new int[] {3, 32, 32}, m.inputShape());
        assertEquals(Map.of(), m.hyperparameters());
    }

    @Test
    void invalidFieldsAreRejectedWithTheReason() throws Exception {
        assertRejected(json(metadata).put("schemaVersion", 2), "schemaVersion");
        assertRejected(json(metadata).putNull("runId"), "run id");
        assertRejected(json(metadata).put("runId", "../etc"), "../etc");
        assertRejected(json(metadata).put("architecture", " "), "architecture");
        assertRejected(withoutField("inputShape"), "inputShape");
        assertRejected(withoutField("numClasses"), "numClasses");
        assertRejected(json(metadata).put("epoch", -1), "epoch");
        assertRejected(json(metadata).put("finalCheckpoint", true), "final");
        assertRejected(json(metadata).put("createdAt", "yesterday"), "createdAt");
        assertRejected(json(metadata).put("parentCheckpoint", "/abs/key"), "absolute");
        assertRejected(json(metadata).put("sha256", SHA.toUpperCase()), "sha256");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointMetadata.fromJson("{not json"));
        assertTrue(e.getMessage().startsWith("invalid checkpoint metadata"), e.getMessage());
    }

    private ObjectNode withoutField(String field) throws Exception {
        ObjectNode json = json(metadata);
        json.remove(field);
        return json;
    }

    private static ObjectNode json(CheckpointMetadata m) throws Exception {
        return (ObjectNode) MAPPER.readTree(m.toJson());
    }

    private static void assertRejected(ObjectNode json, String reason) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CheckpointMetadata.fromJson(json.toString()));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
