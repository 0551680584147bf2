package org.deepdefense.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    private static final List<String> ATTACKS = List.of("paper", "apgd-ce");

    @TempDir
    Path stateDir;

    @Test
    void waitsForEveryShardCountsRepeatsOnceAndReportsOnce() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir));
        assertTrue(assembler.add(Shards.result(RUN, ID, 1)).isEmpty());
        assertTrue(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS)).isEmpty());
        assertTrue(assembler.add(Shards.result(RUN, ID, 1)).isEmpty(), "a repeated shard is not a new one");
        ReportAssembler.Completed completed = assembler.add(Shards.result(RUN, ID, 0)).orElseThrow();

        RobustnessReportMessage report = completed.report();
        assertEquals(0.9, report.cleanAccuracy());
        assertEquals(0.02, report.rho2(), 1e-15);
        assertEquals(40.0, report.epsRef());
        assertEquals(Map.of("0.2", 0.82, "0.5", 0.7, "1.0", 0.5), report.fgsAccuracy());
        assertEquals(Map.of("linf", Map.of("10", 0.4)), report.robustAccuracy());
        assertEquals("per-pixel mean subtracted", report.space());
        assertEquals(100, report.report().samples());
        AttackResult apgd = completed.results().stream().filter(r -> r.attack().equals("apgd-ce")).findFirst()
                .orElseThrow();
        assertEquals(0.45, apgd.values().get("linf_acc_10"), "APGD alone breaks the 45 even correct samples");
        assertEquals(0.4, apgd.values().get("linf_robust_after_10"));
        assertEquals(100, apgd.samples());

        assertTrue(assembler.add(Shards.result(RUN, ID, 0)).isEmpty());
        assertTrue(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS)).isEmpty());
    }

    @Test
    void aRestartedEvaluatorKeepsWhatItSawAndWhatItReported() throws IOException {
        ReportAssembler first = new ReportAssembler(new ShardState(stateDir));
        first.add(Shards.checkpoint(RUN, ID, ATTACKS));
        first.add(Shards.result(RUN, ID, 0));

        ShardState state = new ShardState(stateDir);
        ReportAssembler second = new ReportAssembler(state);
        RobustnessReportMessage report = second.add(Shards.result(RUN, ID, 1)).orElseThrow().report();
        assertEquals(0.02, report.rho2(), 1e-15);
        state.saveReport(report);

        ShardState third = new ShardState(stateDir);
        assertEquals(List.of(report), third.restored().reports());
        assertTrue(third.restored().results().isEmpty(), "a reported checkpoint's shards are forgotten");
        assertTrue(new ReportAssembler(third).add(Shards.result(RUN, ID, 1)).isEmpty(), "reported before the restart");
    }

    @Test
    void refusesWhatCannotMakeAReport() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir));
        CheckpointPublished fgsOnly = Shards.checkpoint(RUN, ID, List.of("fgs"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(fgsOnly))
                .getMessage().contains("did not ask for deepfool"));
        assembler.add(Shards.result(RUN, ID, 0));
        ShardResult otherSplit = Shards.result(RUN, ID, 1, 3, Shards.OPTIONS);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(otherSplit))
                .getMessage().contains("disagrees with shard 0"));
    }
}
