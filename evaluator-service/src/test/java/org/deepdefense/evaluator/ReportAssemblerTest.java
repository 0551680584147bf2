package org.deepdefense.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportAssemblerTest {
    private static final String RUN = "run-1";
    private static final String ID = "run-1-final";
    private static final List<String> ATTACKS = List.of("deepfool", "fgs");

    @TempDir
    Path stateDir;

    @Test
    void waitsForEveryShardOfEveryAttackCountsRepeatsOnceAndReportsOnce() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir));
        assertTrue(assembler.add(Shards.fgs(RUN, ID, 1)).isEmpty());
        assertTrue(assembler.add(Shards.deepFool(RUN, ID, 1)).isEmpty());
        assertTrue(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS)).isEmpty());
        assertTrue(assembler.add(Shards.deepFool(RUN, ID, 1)).isEmpty(), "a repeated shard is not a new one");
        assertTrue(assembler.add(Shards.deepFool(RUN, ID, 0)).isEmpty());
        ReportAssembler.Completed completed = assembler.add(Shards.fgs(RUN, ID, 0)).orElseThrow();

        RobustnessReportMessage report = completed.report();
        assertEquals(0.89, report.cleanAccuracy());
        assertEquals(0.025, report.rho2());
        assertEquals(2.0, report.epsRef());
        assertEquals(Map.of("0.2", 0.7, "0.5", 0.4, "1.0", 0.2), report.fgsAccuracy());
        assertEquals("per-pixel mean subtracted", report.space());
        AttackResult deepFool = completed.results().get(0);
        assertEquals(Map.of("cleanAccuracy", 0.89, "rho2", 0.025, "unconverged", 1.0, "meanIterations", 2.2),
                deepFool.values());
        assertEquals(100, deepFool.samples());
        assertEquals(3.0, deepFool.seconds());

        assertTrue(assembler.add(Shards.fgs(RUN, ID, 0)).isEmpty());
        assertTrue(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS)).isEmpty());
    }

    @Test
    void aRestartedEvaluatorKeepsWhatItSawAndWhatItReported() throws IOException {
        ReportAssembler first = new ReportAssembler(new ShardState(stateDir));
        first.add(Shards.checkpoint(RUN, ID, ATTACKS));
        first.add(Shards.deepFool(RUN, ID, 0));
        first.add(Shards.deepFool(RUN, ID, 1));
        first.add(Shards.fgs(RUN, ID, 0));

        ShardState state = new ShardState(stateDir);
        ReportAssembler second = new ReportAssembler(state);
        RobustnessReportMessage report = second.add(Shards.fgs(RUN, ID, 1)).orElseThrow().report();
        assertEquals(0.025, report.rho2());
        state.saveReport(report);

        ShardState third = new ShardState(stateDir);
        assertEquals(List.of(report), third.restored().reports());
        assertTrue(third.restored().results().isEmpty(), "a reported checkpoint's shards are forgotten");
        assertTrue(new ReportAssembler(third).add(Shards.fgs(RUN, ID, 1)).isEmpty(), "reported before the restart");
    }

    @Test
    void noEpsRefWhenTheCleanModelIsAlreadyFooled() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir));
        assembler.add(Shards.checkpoint(RUN, ID, ATTACKS));
        assembler.add(Shards.deepFool(RUN, ID, 0));
        assembler.add(Shards.deepFool(RUN, ID, 1));
        List<Integer> none = List.of(0, 0, 0, 0, 0, 0, 0, 0, 0);
        assembler.add(Shards.result(RUN, ID, "fgs", 0, Map.of("correct", 20.0), none));
        RobustnessReportMessage report = assembler.add(Shards.result(RUN, ID, "fgs", 1, Map.of("correct", 20.0),
                none)).orElseThrow().report();
        assertNull(report.epsRef());
        assertEquals(Map.of(), report.fgsAccuracy());
    }

    @Test
    void refusesWhatCannotMakeAReport() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir));
        CheckpointPublished fgsOnly = Shards.checkpoint(RUN, ID, List.of("fgs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(fgsOnly))
                .getMessage().contains("did not ask for deepfool"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(
                Shards.result(RUN, ID, "deepfool", 0, Map.of("correct", 3.0), List.of())))
                .getMessage().contains("lacks values.ratioSum"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(
                Shards.result(RUN, ID, "fgs", 0, Map.of("correct", 3.0), List.of(1, 2))))
                .getMessage().contains("2 FGS grid counts, expected 9"));
        assembler.add(Shards.deepFool(RUN, ID, 0));
        ShardResult otherSplit = new ShardResult(1, RUN, ID, "deepfool", 1, 3, 50, 100,
                Shards.deepFool(RUN, ID, 1).values(), List.of(), Shards.OPTIONS, 1.0, Shards.NOW);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(otherSplit))
                .getMessage().contains("disagrees with shard 0"));
    }
}
