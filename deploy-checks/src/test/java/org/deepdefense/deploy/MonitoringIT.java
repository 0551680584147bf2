package org.deepdefense.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The monitoring in k8s/ against the real, packaged services: one tiny run plus one poison record through a local
 * pipeline, then (1) every metric the Grafana dashboard and the alert rules read is one the services export on
 * /q/metrics, (2) the probe paths answer, and (3) a real Prometheus server scrapes the run's deepdefense_rho2 and
 * evaluates the alert rules.
 */
class MonitoringIT {
    private static final String SWEEP_ID = "monitoring-" + Long.toString(System.currentTimeMillis(), 36);
    /** The one point of the sweep: the run goes through the sweep path, so the sweep gauges exist too. */
    private static final String RUN_ID = SWEEP_ID + "-vanilla-e2-s7";
    private static final Duration REPORT_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration SCRAPE_TIMEOUT = Duration.ofSeconds(60);
    private static final Path MONITORING = Tools.PROJECT_ROOT.resolve("k8s/base/monitoring");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static Path runDir;
    private static LocalPipeline pipeline;
    private static PrometheusServer prometheus;
    private static RobustnessReportMessage report;

    @BeforeAll
    static void runOneTrainingRequest() throws Exception {
        runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "monitoring-");
        pipeline = LocalPipeline.start(runDir, Tools.PROJECT_ROOT);
        if (Files.isExecutable(PrometheusServer.BINARY)) {
            List<String> targets = new ArrayList<>();
            for (Service service : Service.values()) {
                URI url = pipeline.url(service);
                targets.add(url.getHost() + ":" + url.getPort());
            }
            prometheus = PrometheusServer.start(runDir, targets, alertRules(runDir.resolve("rules.yaml")));
        }
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, pipeline.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer())) {
            // A poison record, so that the dead-letter counter exists as it would after the first refused record.
            producer.send(new ProducerRecord<>(Topics.TRAINING_REQUESTS, "poison",
                    "not a training request".getBytes(StandardCharsets.UTF_8))).get();
            producer.send(new ProducerRecord<>(Topics.SWEEP_REQUESTS, SWEEP_ID,
                    sweep(SWEEP_ID).getBytes(StandardCharsets.UTF_8))).get();
        }
        report = TopicReader.awaitReport(pipeline.bootstrapServers(), RUN_ID, REPORT_TIMEOUT);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
        System.out.println("monitoring run directory: " + runDir);
    }

    @Test
    void everyMetricOfTheDashboardAndTheAlertRulesIsExported() throws Exception {
        Set<String> used = new TreeSet<>();
        JsonNode dashboard = JSON.readTree(MONITORING.resolve("deepdefense-dashboard.json").toFile());
        dashboard.findValues("expr").forEach(expr -> used.addAll(PromQl.metricNames(expr.asText())));
        dashboard.path("templating").path("list").forEach(variable ->
                used.addAll(PromQl.labelValuesMetric(variable.path("query").path("query").asText())));
        ruleExpressions().forEach(expr -> used.addAll(PromQl.metricNames(expr)));
        assertTrue(used.containsAll(List.of("deepdefense_rho2", "deepdefense_training_loss",
                "deepdefense_dead_letters_total")), () -> "the extraction missed names: " + used);

        // The dead-letter counter appears once the poison record has been refused, which may trail the report.
        Set<String> missing = new TreeSet<>(used);
        Set<String> exported;
        long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos();
        do {
            exported = exportedNames();
            missing.removeAll(exported);
        } while (!missing.isEmpty() && System.nanoTime() < deadline && sleep());
        // What there is to choose from when a panel or an alert is added.
        Files.write(runDir.resolve("exported-metrics.txt"), exported);
        assertTrue(missing.isEmpty(), () -> "used by k8s/base/monitoring but exported by no service: " + missing);
    }

    /** The paths of the probes in k8s/ answer, and say UP. */
    @Test
    void theProbePathsAnswerUp() throws Exception {
        for (Service service : Service.values()) {
            for (String probe : List.of("/q/health/started", "/q/health/live", "/q/health/ready")) {
                HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                        pipeline.url(service).resolve(probe)).build(), HttpResponse.BodyHandlers.ofString());
                String what = service.module() + probe + ": " + response.body();
                assertEquals(200, response.statusCode(), what);
                assertTrue(response.body().contains("\"UP\""), what);
            }
        }
    }

    @Test
    void prometheusScrapesTheRho2OfTheFinishedRunAndEvaluatesTheRules() throws Exception {
        Tools.require("prometheus", prometheus != null, "apt-get install prometheus");
        String query = "deepdefense_rho2{run=\"" + RUN_ID + "\"}";
        JsonNode result = prometheus.query(query);
        for (long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos();
                result.isEmpty() && System.nanoTime() < deadline && sleep(); ) {
            result = prometheus.query(query);
        }
        assertEquals(1, result.size(), () -> query + " gave " + prometheusLog());
        JsonNode series = result.get(0);
        assertEquals(report.checkpointId(), series.path("metric").path("checkpoint").asText());
        assertEquals(report.rho2(), series.path("value").get(1).asDouble(), 1e-12);

        // Every rule has been evaluated against the real series without an error (e.g. a many-to-many match).
        List<String> unhealthy = new ArrayList<>();
        for (long deadline = System.nanoTime() + SCRAPE_TIMEOUT.toNanos(); System.nanoTime() < deadline; sleep()) {
            unhealthy.clear();
            prometheus.ruleGroups().forEach(group -> group.path("rules").forEach(rule -> {
                if (!"ok".equals(rule.path("health").asText())) {
                    unhealthy.add(rule.path("name").asText() + ": " + rule.path("health").asText() + " "
                            + rule.path("lastError").asText());
                }
            }));
            if (unhealthy.isEmpty()) {
                break;
            }
        }
        assertTrue(unhealthy.isEmpty(), () -> "rules not evaluated cleanly: " + unhealthy);
    }

    /**
     * The smallest run that produces every training, robustness and sweep metric, as the one point of a sweep: PGD
     * included, and a model that learned enough (2 epochs on 500 images) for FGS to have an ε_ref, without which the
     * report has no FGS accuracies.
     */
    private static String sweep(String sweepId) {
        return """
                {"schemaVersion": 1, "sweepId": "%s", "dataset": "generated", "architecture": "mlp",
                 "hyperparameters": {"epochs": 2, "batchSize": 100}, "methods": [{"method": "vanilla"}],
                 "seeds": [7], "attacks": ["pgd", "standard"], "trainSubset": 500, "testSubset": 100}
                """.formatted(sweepId);
    }

    private static List<String> ruleExpressions() throws IOException {
        List<String> expressions = new ArrayList<>();
        YAML.readTree(MONITORING.resolve("prometheus-rules.yaml").toFile()).path("spec").path("groups")
                .forEach(group -> group.path("rules").forEach(rule -> expressions.add(rule.path("expr").asText())));
        return expressions;
    }

    /** The PrometheusRule's groups as a plain Prometheus rule file. */
    private static Path alertRules(Path file) throws IOException {
        ObjectNode rules = YAML.createObjectNode();
        rules.set("groups", YAML.readTree(MONITORING.resolve("prometheus-rules.yaml").toFile())
                .path("spec").path("groups"));
        YAML.writeValue(file.toFile(), rules);
        return file;
    }

    /** The names of the samples the three services export now (histogram and counter suffixes included). */
    private static Set<String> exportedNames() throws IOException, InterruptedException {
        Set<String> names = new TreeSet<>();
        for (Service service : Service.values()) {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(
                    pipeline.url(service).resolve("/q/metrics")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode(), service.module());
            response.body().lines().filter(line -> !line.isBlank() && !line.startsWith("#"))
                    .map(line -> line.split("[{ ]", 2)[0]).forEach(names::add);
        }
        return names;
    }

    private static String prometheusLog() {
        try {
            return Files.readString(runDir.resolve("prometheus.log"));
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** Sleeps a second; true, so that it can stand in a loop condition. */
    private static boolean sleep() throws InterruptedException {
        Thread.sleep(1000);
        return true;
    }
}
