package org.deepdefense.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.checkpoint.Safetensors;
import org.deepdefense.checkpoint.TensorSchema;
import org.deepdefense.train.ModelCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** export (npz, safetensors, onnx, card) and import as the command line runs them, on a small generated-data MLP. */
class ExportImportCommandTest {

    @TempDir
    Path dir;

    @Test
    void exportsHoldTheSameTensorsAndAnImportedExportIsTheSameModel() throws Exception {
        String store = trainedStore();
        Checkpoint original = new CheckpointStore(Path.of(store)).load("base/final", null);
        Path npz = dir.resolve("m.npz");
        Path safetensors = dir.resolve("m.safetensors");
        run("export", "--checkpoint", "base/final", "--format", "npz", "--out", npz.toString(), "--store", store);
        run("export", "--checkpoint", "base/final", "--format", "safetensors", "--out", safetensors.toString(),
                "--store", store);

        TensorSchema schema = TensorSchema.of(ModelCheckpoints.exportTensors(original));
        Safetensors.Contents contents = Safetensors.read(safetensors, schema);
        assertEquals(Npz.read(npz, schema), contents.tensors(), "same names, order, shapes and values");
        assertEquals(original.metadata().sha256(), contents.metadata().get("checkpoint_sha256"));

        run("import", "--arch", "mlp", "--format", "safetensors", "--in", safetensors.toString(), "--run-id", "back",
                "--dataset", "generated", "--store", store);
        Checkpoint imported = new CheckpointStore(Path.of(store)).load("back/final", null);
        assertEquals(original.tensors(), imported.tensors());
        assertEquals("imported", imported.metadata().method());
    }

    @Test
    void onnxExportNamesDatasetMethodAndChecksum() throws Exception {
        String store = trainedStore();
        CheckpointMetadata meta = new CheckpointStore(Path.of(store)).readMetadata("base/final");
        Path onnx = dir.resolve("m.onnx");
        run("export", "--checkpoint", "base/final", "--format", "onnx", "--out", onnx.toString(), "--store", store,
                "--threads", "2");
        try (OrtSession session = OrtEnvironment.getEnvironment().createSession(onnx.toString(),
                new OrtSession.SessionOptions())) {
            Map<String, String> props = session.getMetadata().getCustomMetadata();
            assertEquals("generated", props.get("dataset"));
            assertEquals("vanilla", props.get("method"));
            assertEquals(meta.sha256(), props.get("checkpoint_sha256"));
        }
    }

    @Test
    void aModelCardHasTheRobustBenchFields() throws Exception {
        String store = trainedStore();
        CheckpointMetadata meta = new CheckpointStore(Path.of(store)).readMetadata("base/final");
        Path card = dir.resolve("card.md");
        run("export", "--checkpoint", "base/final", "--format", "card", "--test-subset", "20", "--out",
                card.toString(), "--store", store, "--threads", "2");

        JsonNode json = new ObjectMapper().readTree(dir.resolve("card.json").toFile());
        assertEquals("generated", json.path("dataset").asText());
        assertEquals(meta.sha256(), json.path("weightsSha256").asText());
        assertEquals("vanilla", json.path("training").path("method").asText());
        assertEquals(1, json.path("training").path("hyperparameters").path("epochs").asInt());
        assertTrue(json.path("threatModel").asText().contains("white-box"));
        assertTrue(json.path("preprocessing").asText().startsWith("per-pixel-mean-subtraction"));
        JsonNode results = json.path("results");
        assertEquals(20, results.path("testSamples").asInt());
        double clean = results.path("cleanAccuracy").asDouble();
        for (String norm : new String[] {"linf", "l2"}) {
            JsonNode byBudget = results.path("robustAccuracy").path(norm);
            assertEquals(2, byBudget.size(), norm + " budgets");
            byBudget.forEach(accuracy -> assertTrue(accuracy.asDouble() <= clean, "robust <= clean"));
        }
        String suite = results.path("attackSuite").toString();
        assertTrue(suite.contains("apgd-t") && suite.contains("square"), "the standard suite's attacks: " + suite);
        assertTrue(results.path("rho2").asDouble() > 0);
        String markdown = Files.readString(card);
        assertTrue(markdown.contains(meta.sha256()) && markdown.contains("| linf | 25.5 |"), markdown);
    }

    @Test
    void aCardNeedsAReportOrAnEvaluationAndARefusedImportWritesNothing() throws Exception {
        String store = trainedStore();
        assertThrows(Args.UsageException.class, () -> run("export", "--checkpoint", "base/final", "--format", "card",
                "--out", dir.resolve("c.md").toString(), "--store", store));
        Path notSafetensors = dir.resolve("x.safetensors");
        Files.writeString(notSafetensors, "PK not really");
        IOException e = assertThrows(IOException.class, () -> run("import", "--arch", "mlp", "--format",
                "safetensors", "--in", notSafetensors.toString(), "--run-id", "bad", "--dataset", "generated",
                "--store", store));
        assertTrue(e.getMessage().contains("not a safetensors file"), e.getMessage());
        assertFalse(Files.exists(Path.of(store, "bad")));
    }

    /** A store with {@code base/final}: one vanilla epoch of the MLP on 200 generated images. */
    private String trainedStore() throws Exception {
        String store = dir.resolve("store").toString();
        run("train", "--run-id", "base", "--arch", "mlp", "--dataset", "generated", "--epochs", "1",
                "--train-subset", "200", "--threads", "2", "--store", store);
        return store;
    }

    private static void run(String... argv) throws Exception {
        Args args = new Args(argv, 1, Set.of());
        switch (argv[0]) {
            case "train" -> TrainCommand.run(args);
            case "export" -> ExportCommand.run(args);
            case "import" -> ImportCommand.run(args);
            default -> throw new IllegalArgumentException(argv[0]);
        }
    }
}
