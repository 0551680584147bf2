package org.deepdefense.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** ./deepdefense compare on generated data: rows, table, curves, and a resumed second call. */
class CompareCommandTest {

    @Test
    void comparesMethodsFromOneVanillaModelAndResumes(@TempDir Path dir) throws Exception {
        Path results = dir.resolve("results");
        String[] argv = {"compare", "--dataset", "generated", "--arch", "mlp", "--methods",
            "vanilla,deepdefense,fgs-adv", "--vanilla-epochs", "2", "--epochs", "1", "--validation", "1600",
            "--eval-on", "validation", "--eval-subset", "60", "--apgd-iterations", "10", "--square-queries", "100",
            "--threads", "2",
            "--store", dir.resolve("store").toString(), "--results", results.toString()};
        run(argv);

        ObjectMapper json = new ObjectMapper();
        JsonNode reference = json.readTree(results.resolve("reference.json").toFile());
        assertTrue(reference.path("checkpoint").asText().contains("deepdefense"), "ε_ref from Deep Defense");
        String vanillaKey = json.readTree(results.resolve("vanilla.json").toFile()).path("checkpoint").asText();
        for (String method : List.of("vanilla", "deepdefense", "fgs-adv")) {
            JsonNode row = json.readTree(results.resolve(method + ".json").toFile());
            JsonNode report = row.path("report");
            assertEquals(reference.path("epsRef").asDouble(), report.path("epsRef").asDouble(), method);
            assertEquals(60, report.path("samples").asInt(), method);
            assertEquals(5, report.path("shortCapIterations").asInt());
            assertEquals(CompareCommand.CURVE_RATIOS.length + 1, report.path("fgsCurve").size(), "ε = 0 and the budgets");
            assertEquals(CompareCommand.CURVE_RATIOS.length, report.path("pgdAccuracy").size());
            assertEquals(CompareCommand.CURVE_RATIOS.length, report.path("robustAccuracy").path("linf").size());
            assertEquals(2, report.path("pgdL2Accuracy").size());
            assertTrue(row.path("evaluatedOn").asText().contains("validation split"));
            // Every row says which schedule ran and how often the stabilisers fired over the run.
            assertEquals("last-epoch", row.path("lrSchedule").asText(), method);
            assertEquals(Set.of("ratioCapped", "stepCapped", "gradientClipped", "updatesSkipped"),
                    Set.copyOf(iterable(row.path("stabilisers").fieldNames())), method);
            assertTrue(row.path("commands").get(0).asText().contains("--lr-schedule last-epoch"), method);
            if (!method.equals("vanilla")) {
                String train = row.path("commands").get(0).asText();
                assertTrue(train.contains("--from " + vanillaKey), "fine-tunes the shared vanilla model: " + train);
                assertTrue(train.contains("--train-subset 400"), "trains without the validation split: " + train);
            }
        }
        String table = Files.readString(results.resolve("table.md"));
        assertTrue(table.contains("| lr schedule | stabilisers fired (run) |"), table);
        List<String> lines = table.lines().filter(l -> l.startsWith("|")).toList();
        assertEquals(5, lines.size(), "header, separator, three rows:\n" + table);
        Set<Long> columns = Set.copyOf(lines.stream().map(l -> l.chars().filter(c -> c == '|').count()).toList());
        assertEquals(1, columns.size(), "every table line has the same number of columns:\n" + table);

        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(results.resolve("curves.svg").toFile());
        assertEquals("svg", svg.getDocumentElement().getTagName());
        assertEquals(2 * 3, svg.getElementsByTagName("polyline").getLength(), "paper-FGS and robust-accuracy lines for each method");

        long modified = Files.getLastModifiedTime(results.resolve("deepdefense.json")).toMillis();
        run(argv);
        assertEquals(modified, Files.getLastModifiedTime(results.resolve("deepdefense.json")).toMillis(),
                "a second call keeps the rows it already has");
    }

    private static List<String> iterable(java.util.Iterator<String> names) {
        List<String> list = new java.util.ArrayList<>();
        names.forEachRemaining(list::add);
        return list;
    }

    private static void run(String[] argv) throws Exception {
        CompareCommand.run(new Args(argv, 1, Set.of()), String.join(" ", argv));
    }
}
