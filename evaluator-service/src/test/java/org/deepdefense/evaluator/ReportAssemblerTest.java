package org.deepdefense.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportAssemblerTest {
    private static final String RUN = "run-1";
    private static final String ID = "run-1-final";
    private static final List<String> ATTACKS = List.of("paper", "apgd-ce");
    private static final ReportAssembler.Limits LIMITS = new ReportAssembler.Limits(Duration.ofHours(1), 4, 1000);
    private static final ShardState.Origin ORIGIN =
            new ShardState.Origin(Topics.CHECKPOINTS, 3, 17, Instant.parse("2025-01-31T12:00:00Z"));

    @TempDir
    Path stateDir;

    @Test
    void waitsForEveryPlannedShardCountsRepeatsOnceAndReportsOnce() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir), LIMITS);
        assertPending(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS), ORIGIN));
        assertPending(assembler.add(Shards.plan(RUN, ID), ORIGIN));
        assertPending(assembler.add(Shards.result(RUN, ID, 1)));
        assertPending(assembler.add(Shards.result(RUN, ID, 1, 2, Shards.OPTIONS, 9.0)),
                "a repeat with other timings has the same findings");
        ReportAssembler.Completed completed =
                assertInstanceOf(ReportAssembler.Completed.class, assembler.add(Shards.result(RUN, ID, 0)));

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
        assertPending(assembler.add(Shards.result(RUN, ID, 0)), "the report is on its way: not made twice");

        new ShardState(stateDir).saveReport(report);
        assembler.reported(ID);
        assertEquals(0, assembler.openCheckpoints(), "a reported checkpoint leaves memory");
        assertPending(assembler.add(Shards.result(RUN, ID, 0)));
        assertPending(assembler.add(Shards.checkpoint(RUN, ID, ATTACKS), ORIGIN));
        assertPending(assembler.add(Shards.plan(RUN, ID), ORIGIN));
        assertRefused("differs from the result recorded", () -> assembler.add(forged(0)));
    }

    @Test
    void refusesResultsOutsideThePlanAndConflictsWithoutTouchingTheState() throws IOException {
        ShardState state = new ShardState(stateDir);
        ReportAssembler assembler = new ReportAssembler(state, LIMITS);
        assertRefused("no shard plan known for checkpoint " + ID, () -> assembler.add(Shards.result(RUN, ID, 0)));
        assertEquals(ShardState.Status.UNKNOWN, state.status(ID), "a result without a plan opens nothing");

        assembler.add(Shards.plan(RUN, ID), ORIGIN);
        assembler.add(Shards.result(RUN, ID, 0));
        byte[] before = snapshot();
        assertRefused("says 3 shards, the plan 2", () -> assembler.add(Shards.result(RUN, ID, 1, 3, Shards.OPTIONS)));
        EvaluationOptions weaker = new EvaluationOptions(25, 1, 0.02, List.of(10.0), List.of(), 3, 5, 2, 20, 1, 10);
        assertRefused("other options than the plan's", () -> assembler.add(Shards.result(RUN, ID, 1, 2, weaker)));
        ShardResult shifted = Shards.result(RUN, ID, 1);
        assertRefused("covers [40, 90), the plan [50, 100)", () -> assembler.add(new ShardResult(1, RUN, ID,
                shifted.attacks(), 1, 2, 40, 90, shifted.outcomes(), shifted.options(), 1, Shards.NOW)));
        assertRefused("names run other-run", () -> assembler.add(Shards.result("other-run", ID, 1)));
        assertRefused("differs from the result recorded for it", () -> assembler.add(forged(0)));
        assertRefused("conflicts with the one recorded", () -> assembler.add(new ShardPlan(1, RUN, ID,
                Shards.ATTACKS, List.of(0, 100), Shards.OPTIONS, Shards.NOW), ORIGIN));
        assertRefused("over this evaluator's limit 1000", () -> assembler.add(new ShardPlan(1, RUN, "big",
                Shards.ATTACKS, List.of(0, 600, 1200), Shards.OPTIONS, Shards.NOW), ORIGIN));
        assertTrue(java.util.Arrays.equals(before, snapshot()), "a refused record changed the state directory");

        // The real shard still completes the checkpoint, after a restart too.
        ReportAssembler restarted = new ReportAssembler(new ShardState(stateDir), LIMITS);
        assertPending(restarted.add(Shards.result(RUN, ID, 1)));
        ReportAssembler.Completed completed = assertInstanceOf(ReportAssembler.Completed.class,
                restarted.add(Shards.checkpoint(RUN, ID, ATTACKS), ORIGIN));
        assertEquals(0.02, completed.report().rho2(), 1e-15, "the forged shard 0 was not used");
    }

    @Test
    void aCheckpointPastItsDeadlineFailsWithWhatWasMissingAndLeavesMemory() throws IOException {
        ShardState state = new ShardState(stateDir);
        ReportAssembler assembler = new ReportAssembler(state, LIMITS);
        assembler.add(Shards.checkpoint(RUN, ID, ATTACKS), ORIGIN);
        assembler.add(Shards.plan(RUN, ID), ORIGIN);
        assembler.add(Shards.result(RUN, ID, 1));
        assertEquals(List.of(), assembler.expired(ORIGIN.opened().plus(Duration.ofMinutes(59))));

        // Restarted in between: the deadline counts from the first record, not from the restart.
        ReportAssembler restarted = new ReportAssembler(new ShardState(stateDir), LIMITS);
        List<ReportAssembler.Failed> failed = restarted.expired(ORIGIN.opened().plus(Duration.ofMinutes(61)));
        assertEquals(1, failed.size());
        ReportAssembler.Failed failure = failed.get(0);
        assertEquals(List.of(Topics.CHECKPOINTS, 3, 17L, RUN), List.of(failure.letter().sourceTopic(),
                failure.letter().partition(), failure.letter().offset(), failure.letter().key()));
        assertTrue(failure.letter().reason().contains("not reported within PT1H: 1 of 2 shards missing [0]"),
                failure.letter().reason());
        assertEquals(failed, restarted.expired(ORIGIN.opened().plus(Duration.ofMinutes(62))),
                "offered again until its dead letter is out");
        restarted.failed(failure);
        assertEquals(0, restarted.openCheckpoints());
        assertEquals(ShardState.Status.FAILED, state.status(ID));
        assertEquals(failure.letter(), state.failure(ID).orElseThrow());
        assertRefused("arrived after the checkpoint was failed", () -> restarted.add(Shards.result(RUN, ID, 0)));
        assertEquals(List.of(), new ReportAssembler(new ShardState(stateDir), LIMITS)
                .expired(Instant.MAX), "a failed checkpoint stays closed after a restart");
    }

    @Test
    void refusesWhatCannotMakeAReportAndBoundsTheOpenCheckpoints() throws IOException {
        ReportAssembler assembler = new ReportAssembler(new ShardState(stateDir), LIMITS);
        CheckpointPublished fgsOnly = Shards.checkpoint(RUN, ID, List.of("fgs"));
        assertRefused("did not ask for deepfool", () -> assembler.add(fgsOnly, ORIGIN));
        for (int i = 0; i < LIMITS.maxOpenCheckpoints(); i++) {
            assembler.add(Shards.plan(RUN, "c" + i), ORIGIN);
        }
        assertRefused("4 checkpoints are open", () -> assembler.add(Shards.plan(RUN, "one-too-many"), ORIGIN));

        // A plan that does not match its checkpoint fails the checkpoint at once.
        ReportAssembler other = new ReportAssembler(new ShardState(stateDir.resolve("other")), LIMITS);
        other.add(Shards.plan(RUN, ID), ORIGIN);
        ReportAssembler.Failed mismatch = assertInstanceOf(ReportAssembler.Failed.class,
                other.add(Shards.checkpoint(RUN, ID, List.of("deepfool")), ORIGIN));
        assertTrue(mismatch.letter().reason().contains("does not match the checkpoint"), mismatch.letter().reason());
    }

    /** Shard {@code shard} with another shard's outcomes: valid, in the plan, and a lie. */
    private static ShardResult forged(int shard) {
        ShardResult real = Shards.result(RUN, ID, shard);
        ShardResult other = Shards.result(RUN, ID, 1 - shard);
        return new ShardResult(1, RUN, ID, real.attacks(), shard, 2, real.from(), real.to(), other.outcomes(),
                real.options(), real.seconds(), real.timestamp());
    }

    /** Every file of the state directory and its content, concatenated. */
    private byte[] snapshot() throws IOException {
        var out = new java.io.ByteArrayOutputStream();
        try (Stream<Path> files = Files.walk(stateDir)) {
            for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                out.write(file.toString().getBytes());
                out.write(Files.readAllBytes(file));
            }
        }
        return out.toByteArray();
    }

    private static void assertPending(ReportAssembler.Outcome outcome, String... why) {
        assertInstanceOf(ReportAssembler.Pending.class, outcome, String.join(" ", why));
    }

    private static void assertRefused(String reason, org.junit.jupiter.api.function.Executable add) {
        String message = assertThrows(IllegalArgumentException.class, add).getMessage();
        assertTrue(message.contains(reason), message);
    }
}
