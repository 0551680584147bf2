package org.deepdefense.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;

/** One tiny training request through the three packaged services and a real broker, up to the evaluator's report. */
class PipelineIT {
    private static final String RUN_ID = "e2e-" + Long.toString(System.currentTimeMillis(), 36);
    private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(120);

    @Test
    void aTrainingRequestEndsInARobustnessReport() throws Exception {
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "pipeline-");
        List<ProcessHandle> started;
        try (LocalPipeline pipeline = LocalPipeline.start(runDir, projectRoot)) {
            started = pipeline.processes();
            long sent = System.nanoTime();
            // The smallest useful run: one epoch of a vanilla MLP on 200 generated images, attacked on 100.
            PipelineDriver.submit(pipeline.bootstrapServers(), RUN_ID, "\"deepfool\", \"fgs\"", 200, 100);
            RobustnessReportMessage report = TopicReader.awaitReport(pipeline.bootstrapServers(), RUN_ID, REPORT_TIMEOUT);
            System.out.printf("end to end: report for %s %.1f s after the request (run directory %s)%n",
                    report.checkpointId(), (System.nanoTime() - sent) / 1e9, runDir);

            assertEquals("mlp", report.architecture());
            assertEquals("vanilla", report.method());
            assertTrue(report.rho2() > 0, () -> "rho2 " + report.rho2());
            HttpClient http = HttpClient.newHttpClient();
            String metrics = get(http, pipeline.url(Service.EVALUATOR).resolve("/q/metrics"));
            assertTrue(metrics.lines().anyMatch(line -> line.startsWith("deepdefense_rho2{")
                    && line.contains("run=\"" + RUN_ID + "\"")), "no deepdefense_rho2 gauge for " + RUN_ID);
            String runs = get(http, pipeline.url(Service.EVALUATOR).resolve("/runs/" + RUN_ID));
            assertTrue(runs.contains("\"checkpointId\":\"" + report.checkpointId() + "\""), runs);
        }
        assertEquals(1 + Service.values().length, started.size(), "broker and services");
        assertTrue(started.stream().noneMatch(ProcessHandle::isAlive), "a pipeline process outlived close()");
        assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
                "a child process outlived the pipeline");
    }

    private static String get(HttpClient http, URI uri) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, response.statusCode(), () -> uri + ": " + response.body());
        return response.body();
    }
}
