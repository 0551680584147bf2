package org.deepdefense.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.MethodGrid;
import org.deepdefense.messages.SweepRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * ./deepdefense sweep on generated data: one JSON per point, the frontier, a resumed second call, --plot, and
 * --choose with its follow-up sweep.
 */
class SweepCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void runsEveryPointOnTheValidationSplitResumesAndPlotsTheFrontier(@TempDir Path dir) throws Exception {
        String store = dir.resolve("store").toString();
        TrainCommand.run(new Args(new String[] {"--run-id", "base", "--dataset", "generated", "--arch", "mlp",
            "--epochs", "1", "--train-subset", "400", "--store", store, "--threads", "2"}, 0, DeepDefenseCli.FLAGS));
        String sha = new CheckpointStore(Path.of(store)).readMetadata("base/final").sha256();
        Path request = dir.resolve("sweep.json");
        Files.writeString(request, """
                {"schemaVersion": 1, "sweepId": "t", "dataset": "generated", "architecture": "mlp",
                 "baseCheckpoint": "base/final", "baseCheckpointSha256": "%s",
                 "hyperparameters": {"epochs": 1},
                 "methods": [{"method": "vanilla"}, {"method": "deepdefense", "parameters": {"lambda": [5, 15]}}],
                 "seeds": [1]}
                """.formatted(sha));
        Path results = dir.resolve("results");
        String[] argv = {"sweep", "--request", request.toString(), "--validation", "1600", "--eval-subset", "40",
            "--apgd-iterations", "5", "--square-queries", "50", "--threads", "2", "--store", store,
            "--results", results.toString()};
        run(argv);

        List<String> runIds = List.of("t-vanilla-e1-s1", "t-deepdefense-l5-c25-d5-e1-s1",
                "t-deepdefense-l15-c25-d5-e1-s1");
        List<SweepCommand.PointResult> points = new ArrayList<>();
        for (String runId : runIds) {
            SweepCommand.PointResult point = JSON.readValue(results.resolve(runId + ".json").toFile(),
                    SweepCommand.PointResult.class);
            points.add(point);
            assertEquals("t", point.sweepId());
            assertEquals(runId, point.runId());
            assertEquals(40, point.row().report().samples());
            assertTrue(point.row().report().rho2ShortCap() != null, "rho2 at the paper's 5-iteration cap too");
            assertTrue(point.row().evaluatedOn().contains("validation split"), point.row().evaluatedOn());
            String train = point.row().commands().get(0);
            assertTrue(train.contains("--from base/final") && train.contains("--train-subset 400"),
                    "fine-tunes the base without the validation split: " + train);
        }
        assertEquals(Map.of("lambda", 15.0, "c", 25.0, "d", 5.0), points.get(2).parameters());
        String trainedOn = JSON.readTree(dir.resolve("train-times").resolve(runIds.get(2) + ".json").toFile())
                .path("device").asText();
        assertTrue(trainedOn.startsWith("cpu() ") && trainedOn.endsWith(" 2 threads"),
                "the wall time says what it was measured on: " + trainedOn);

        Map<String, List<SweepFrontier.Point>> lines = SweepFrontier.lines(points, SweepFrontier.budget(points));
        assertEquals(List.of("vanilla", "deepdefense"), List.copyOf(lines.keySet()));
        List<SweepFrontier.Point> deepDefense = lines.get("deepdefense");
        assertTrue(deepDefense.get(0).cleanAccuracy() <= deepDefense.get(1).cleanAccuracy(), "in order of accuracy");
        assertEquals(new SweepFrontier.Budget("linf", "25.5"), SweepFrontier.budget(points),
                "the smallest standard L∞ budget");
        SweepFrontier.Point l15 = deepDefense.stream().filter(p -> p.runId().equals(runIds.get(2))).findFirst()
                .orElseThrow();
        assertEquals(points.get(2).row().report().rho2(), l15.rho2());
        assertEquals(points.get(2).row().report().robustAccuracy().get("linf").get("25.5"), l15.robustAccuracy());
        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(results.resolve(SweepCommand.FRONTIER).toFile());
        assertEquals(2 * 2, svg.getElementsByTagName("polyline").getLength(), "two methods in two panels");
        assertEquals(2 * 3, svg.getElementsByTagName("circle").getLength(), "every point in both panels");

        long modified = Files.getLastModifiedTime(results.resolve(runIds.get(1) + ".json")).toMillis();
        run(argv);
        assertEquals(modified, Files.getLastModifiedTime(results.resolve(runIds.get(1) + ".json")).toMillis(),
                "a second call keeps the points it already has");
        Files.delete(results.resolve(SweepCommand.FRONTIER));
        run(new String[] {"sweep", "--plot", "--results", results.toString()});
        assertTrue(Files.exists(results.resolve(SweepCommand.FRONTIER)));

        // A rho2-only suite (the same runs, evaluated again): no L∞ attack ran, so there is no L∞ robust accuracy
        // to report or to plot; the frontier reads DeepFool's L2 one.
        Path rho2Request = dir.resolve("rho2-only.json");
        Files.writeString(rho2Request, Files.readString(request).replace("\"seeds\": [1]",
                "\"seeds\": [1], \"attacks\": [\"deepfool\"]"));
        Path rho2Results = dir.resolve("rho2-only");
        run(new String[] {"sweep", "--request", rho2Request.toString(), "--validation", "1600", "--eval-subset", "40",
            "--threads", "2", "--store", store, "--results", rho2Results.toString()});
        List<SweepCommand.PointResult> rho2Points = new ArrayList<>();
        for (String runId : runIds) {
            rho2Points.add(JSON.readValue(rho2Results.resolve(runId + ".json").toFile(),
                    SweepCommand.PointResult.class));
        }
        assertEquals(List.of("l2"), List.copyOf(rho2Points.get(0).row().report().robustAccuracy().keySet()));
        assertTrue(rho2Points.get(0).row().report().warnings().stream().noneMatch(w -> w.kind().equals("no-effect")
                && w.message().contains("linf")),
                "no L∞ budget to warn about");
        assertEquals(new SweepFrontier.Budget("l2", "382.5"), SweepFrontier.budget(rho2Points));
        assertTrue(Files.readString(rho2Results.resolve(SweepCommand.FRONTIER))
                .contains("robust accuracy, L2 ε = 382.5"), "the right panel says which budget it shows");

        // Within 100 points every configuration is close to the control: the highest rho2 wins.
        Path followUp = dir.resolve("follow-up.json");
        run(new String[] {"sweep", "--choose", "--request", request.toString(), "--results", results.toString(),
            "--within", "100", "--seeds", "1,2,3", "--out", followUp.toString(), "--attacks", "deepfool, apgd-ce"});
        SweepCommand.PointResult strongest = points.get(1).row().report().rho2() >= points.get(2).row().report()
                .rho2() ? points.get(1) : points.get(2);
        SweepRequest next = Messages.parseSweepRequest(Files.readAllBytes(followUp));
        assertEquals(List.of("vanilla", "deepdefense"), next.methods().stream().map(MethodGrid::method).toList());
        assertEquals(List.of(strongest.parameters().get("lambda")),
                next.methods().get(1).parameters().get("lambda"));
        assertEquals(List.of(1L, 2L, 3L), next.seeds());
        assertEquals(List.of("deepfool", "apgd-ce"), next.attacks(), "the suite given, not the validation sweep's");
        assertEquals("t", next.sweepId(), "the same runs for the seeds already trained");
        assertEquals(strongest.runId(), next.expand().get(3).runId(), "the chosen point's seed 1 is resumed");

        Args.UsageException unknown = assertThrows(Args.UsageException.class, () -> run(new String[] {"sweep",
            "--choose", "--request", request.toString(), "--results", results.toString(), "--out",
            dir.resolve("bad.json").toString(), "--attacks", "deepfool,fgsm"}));
        assertTrue(unknown.getMessage().startsWith("--attacks deepfool,fgsm: attacks[1]"), unknown.getMessage());
        assertTrue(Files.notExists(dir.resolve("bad.json")), "nothing written for a bad suite");

        Path controlOnly = Files.createDirectories(dir.resolve("control-only"));
        Files.copy(results.resolve(runIds.get(0) + ".json"), controlOnly.resolve(runIds.get(0) + ".json"));
        Args.UsageException nothing = assertThrows(Args.UsageException.class, () -> run(new String[] {"sweep",
            "--choose", "--request", request.toString(), "--results", controlOnly.toString(), "--out",
            dir.resolve("none.json").toString()}));
        assertEquals("the results hold only the control t-vanilla-e1-s1: no other method's point has finished, so"
                + " there is nothing to follow up", nothing.getMessage());

        Files.writeString(request, Files.readString(request).replace("\"seeds\": [1]",
                "\"seeds\": [1], \"trainSubset\": 1000"));
        Args.UsageException refused = assertThrows(Args.UsageException.class, () -> run(argv));
        assertEquals("trainSubset 1000 would train on the validation split: at most 400 (the training set minus"
                + " --validation 1600)", refused.getMessage());
    }

    private static void run(String[] argv) throws Exception {
        SweepCommand.run(new Args(argv, 1, DeepDefenseCli.FLAGS), String.join(" ", argv));
    }
}
