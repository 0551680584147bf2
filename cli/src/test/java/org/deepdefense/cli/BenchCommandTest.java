package org.deepdefense.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench on a checkpoint: the fine-tuning and evaluation tasks print one JSON line with their figures. */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void fineTuningAndEvaluationTasksReportTheirThroughput() throws Exception {
        String store = dir.resolve("store").toString();
        TrainCommand.run(new Args(new String[] {"train", "--run-id", "base", "--arch", "mlp", "--dataset",
                "generated", "--epochs", "1", "--train-subset", "200", "--threads", "2", "--store", store}, 1, Set.of()));

        JsonNode fineTune = bench("bench", "--from", "base/final", "--store", store, "--steps", "3",
                "--vanilla-steps", "2", "--warmup", "1", "--threads", "2");
        assertEquals("fine-tune", fineTune.path("task").asText());
        assertEquals("deepdefense", fineTune.path("method").asText());
        assertEquals("generated", fineTune.path("dataset").asText());
        assertTrue(fineTune.path("img_s").asDouble() > 0 && fineTune.path("vanilla_img_s").asDouble() > 0,
                fineTune.toString());
        assertTrue(fineTune.path("host_transfers_per_step").asDouble() > 0, fineTune.toString());
        assertTrue(fineTune.path("rss_step500_mb").isNull(), "3 steps never reach step 500");

        JsonNode evaluation = bench("bench", "--from", "base/final", "--store", store, "--evaluate", "deepfool,fgs",
                "--test-subset", "20", "--threads", "2");
        assertEquals("evaluate", evaluation.path("task").asText());
        assertEquals(20, evaluation.path("test_images").asInt());
        assertEquals(2, evaluation.path("attacks").size());
        for (JsonNode attack : evaluation.path("attacks")) {
            assertTrue(attack.path("img_s").asDouble() > 0 && attack.path("rho2").asDouble() > 0, attack.toString());
        }
        assertEquals("fgs", evaluation.path("attacks").get(1).path("attack").asText());
    }

    @Test
    void whiteningFitPrintsItsTimesAndPath() throws Exception {
        JsonNode fit = bench("bench", "--whitening-fit", "120", "--threads", "2", "--batch-size", "16");
        assertEquals("whitening-fit", fit.path("task").asText());
        assertEquals(120, fit.path("images").asInt());
        assertEquals(3072, fit.path("features").asInt());
        assertEquals("image-gram", fit.path("path").asText(), "fewer images than features");
        assertEquals(16, fit.path("batch_size").asInt());
        assertTrue(fit.path("fit_s").asDouble() > 0 && fit.path("apply_batch_s").asDouble() > 0, fit.toString());
    }

    private static JsonNode bench(String... argv) throws Exception {
        PrintStream console = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try {
            Bench.run(new Args(argv, 1, Set.of()));
        } finally {
            System.setOut(console);
        }
        return new ObjectMapper().readTree(printed.toString(StandardCharsets.UTF_8).strip());
    }
}
