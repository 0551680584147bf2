package org.deepdefense.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;

/** up → submit a tiny run → its report on the reports topic → down, with no process left behind. */
class PipelineCommandsIT {

    @Test
    void upSubmitReportDown() throws Exception {
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "pipeline-").toAbsolutePath();
        long begun = System.nanoTime();
        PipelineState state = PipelineCommands.up(runDir, projectRoot);
        List<Long> pids;
        try {
            pids = state.pids();
            assertEquals(5, pids.size(), "daemon, broker and three services");
            assertEquals(state.bootstrapServers(), PipelineCommands.bootstrapServers(runDir).orElseThrow());
            System.out.printf("up: %.1f s%n", (System.nanoTime() - begun) / 1e9);

            String runId = "cli-" + Long.toString(System.currentTimeMillis(), 36);
            Args args = new Args(new String[] {"--run-id", runId, "--dataset", "generated", "--arch", "mlp",
                    "--method", "vanilla", "--epochs", "1", "--batch-size", "50", "--train-subset", "200",
                    "--test-subset", "100", "--seed", "7"}, 0, Set.of());
            long sent = System.nanoTime();
            SubmitCommand.send(state.bootstrapServers(), SubmitCommand.request(args));
            RobustnessReportMessage report = TopicReader.awaitReport(state.bootstrapServers(), runId,
                    Duration.ofSeconds(120));
            System.out.printf("report for %s %.1f s after the request%n", report.checkpointId(),
                    (System.nanoTime() - sent) / 1e9);
            assertEquals("vanilla", report.method());
            assertTrue(report.rho2() > 0, () -> "rho2 " + report.rho2());
        } finally {
            assertTrue(PipelineCommands.down(runDir), "down found no pipeline");
        }
        assertTrue(pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)),
                "a pipeline process outlived down");
        assertFalse(Files.exists(runDir.resolve(PipelineState.FILE)), "state file left behind");
    }
}
