package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.TopicReader;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Hostile input from outside (the services are black boxes). 10,000 hostile records on each topic a service consumes, from outside (the services are black boxes): each one
 * ends in the topic's dead-letter topic with a reason, once for every service consuming the topic, and afterwards
 * every service is healthy and a valid request still ends in a report. No HTTP endpoint changes anything.
 */
@ExtendWith(SharedPipeline.class)
class FuzzIT {
    private static final int RECORDS = 10_000;
    private static final String SUFFIX = "-" + Long.toString(System.currentTimeMillis(), 36);
    private static final Duration TIMEOUT = Duration.ofMinutes(5);
    /**
     * The consumers of each topic today, as they name themselves in each dead letter's writer header: the trainer;
     * the attack service and the evaluator; the attack service's shard workers; the evaluator.
     */
    private static final Map<String, Set<String>> CONSUMERS = Map.of(
            Topics.TRAINING_REQUESTS, Set.of(Service.TRAINER.module()),
            Topics.CHECKPOINTS, Set.of(Service.ATTACK.module(), Service.EVALUATOR.module()),
            Topics.ATTACK_SHARDS, Set.of(Service.ATTACK.module()),
            Topics.SHARD_RESULTS, Set.of(Service.EVALUATOR.module()));

    @Test
    void hostileRecordsEndInTheDeadLetterTopicsAndTheServicesStayHealthy(LocalPipeline pipeline) throws Exception {
        String bootstrap = pipeline.bootstrapServers();
        // Valid records of each topic to mutate: those of a real run.
        String template = "fuzz-template" + SUFFIX;
        Kafka.send(bootstrap, Topics.TRAINING_REQUESTS, template, Kafka.request(template, 100, 50, 1, 50));
        awaitReport(bootstrap, template);
        Map<String, String> valid = new LinkedHashMap<>();
        valid.put(Topics.TRAINING_REQUESTS, Kafka.request(template, 100, 50, 1, 50));
        valid.put(Topics.CHECKPOINTS, firstOf(bootstrap, Topics.CHECKPOINTS, template));
        valid.put(Topics.ATTACK_SHARDS, firstOf(bootstrap, Topics.ATTACK_SHARDS, template));
        valid.put(Topics.SHARD_RESULTS, firstOf(bootstrap, Topics.SHARD_RESULTS, template));
        Map<String, Function<byte[], ?>> contracts = Map.of(Topics.TRAINING_REQUESTS, Messages::parseTrainingRequest,
                Topics.CHECKPOINTS, Messages::parseCheckpointPublished,
                Topics.ATTACK_SHARDS, Messages::parseAttackShard,
                Topics.SHARD_RESULTS, Messages::parseShardOutput);

        long started = System.nanoTime();
        Map<String, List<Kafka.Position>> offsets = new HashMap<>();
        long seed = 20_181_203;
        for (var topic : valid.entrySet()) {
            List<String> others = valid.values().stream().filter(v -> !v.equals(topic.getValue())).toList();
            HostileRecords records = new HostileRecords(seed++, topic.getValue(), others,
                    value -> refused(contracts.get(topic.getKey()), value));
            offsets.put(topic.getKey(), Kafka.send(bootstrap, topic.getKey(), records.next(RECORDS)));
        }

        for (var sent : offsets.entrySet()) {
            String topic = sent.getKey();
            Set<String> consumers = CONSUMERS.get(topic);
            // Each record's dead letters by where it was, each naming the service that wrote it.
            Map<Kafka.Position, Set<String>> letters = new HashMap<>();
            int[] counted = {0};
            Kafka.read(bootstrap, List.of(Topics.deadLetter(topic)), TIMEOUT, read -> {
                for (; counted[0] < read.size(); counted[0]++) {
                    ConsumerRecord<String, byte[]> record = read.get(counted[0]);
                    DeadLetter letter = Messages.parseDeadLetter(record.value());
                    assertFalse(letter.reason().isBlank(), () -> "no reason for " + letter);
                    assertEquals(topic, letter.sourceTopic());
                    letters.computeIfAbsent(new Kafka.Position(letter.partition(), letter.offset()),
                            p -> new HashSet<>()).add(writer(record));
                }
                return sent.getValue().stream().allMatch(at -> letters.getOrDefault(at, Set.of()).equals(consumers));
            });
            List<Kafka.Position> missing = sent.getValue().stream()
                    .filter(at -> !letters.getOrDefault(at, Set.of()).equals(consumers)).toList();
            assertEquals(List.of(), missing.subList(0, Math.min(10, missing.size())), topic + ": " + missing.size()
                    + " records without exactly one dead letter from each of " + consumers + " (first 10 shown)");
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        System.out.printf("fuzz: %d hostile records (%d per topic) dead-lettered in %.1f s, %.0f records/s%n",
                RECORDS * offsets.size(), RECORDS, seconds, RECORDS * offsets.size() / seconds);

        for (Service service : Service.values()) {
            Kafka.get(pipeline.url(service).resolve("/q/health/ready"));
            Kafka.get(pipeline.url(service).resolve("/q/health/live"));
            assertFalse(Files.readString(pipeline.log(service), StandardCharsets.ISO_8859_1)
                    .contains(HostileRecords.MARKER), service + " wrote a whole payload to its log");
        }
        assertTrue(pipeline.processes().stream().allMatch(ProcessHandle::isAlive), "a process died");
        String after = "fuzz-after" + SUFFIX;
        Kafka.send(bootstrap, Topics.TRAINING_REQUESTS, after, Kafka.request(after, 100, 50, 1, 50));
        awaitReport(bootstrap, after);
    }

    @Test
    void theHttpEndpointsAreReadOnly(LocalPipeline pipeline) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (Service service : Service.values()) {
            // The application's paths and the dev tools' (absent in production); /q/health and /q/metrics answer
            // any method with their read-only report, so they are left out.
            for (String path : List.of("/", "/runs", "/runs/x", "/checkpoints/x", "/q/dev-ui",
                    "/q/dev-ui/configuration-form-editor")) {
                for (String method : List.of("POST", "PUT", "DELETE", "PATCH")) {
                    HttpRequest request = HttpRequest.newBuilder(pipeline.url(service).resolve(path))
                            .method(method, HttpRequest.BodyPublishers.ofString("{}")).build();
                    int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    assertTrue(status == 404 || status == 405, () -> method + " " + service.module() + path
                            + " answered " + status);
                }
            }
        }
    }

    private static void awaitReport(String bootstrap, String runId) {
        List<ConsumerRecord<String, byte[]>> reports = Kafka.read(bootstrap, List.of(Topics.REPORTS), TIMEOUT,
                read -> read.stream().anyMatch(r -> runId.equals(r.key())));
        assertTrue(reports.stream().anyMatch(r -> runId.equals(r.key())), "no report for " + runId);
    }

    /** The first record of a run on a topic, as JSON text (shard records are keyed by checkpoint, "<run>-…"). */
    private static String firstOf(String bootstrap, String topic, String runId) {
        return TopicReader.readAll(bootstrap, List.of(topic)).stream()
                .filter(r -> r.key() != null && (r.key().equals(runId) || r.key().startsWith(runId + "-")))
                .map(r -> new String(r.value(), StandardCharsets.UTF_8)).findFirst()
                .orElseThrow(() -> new AssertionError("no record of " + runId + " on " + topic));
    }

    private static String writer(ConsumerRecord<String, byte[]> letter) {
        var header = letter.headers().lastHeader(DeadLetter.WRITER_HEADER);
        return header == null ? "no writer header" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static boolean refused(Function<byte[], ?> contract, byte[] value) {
        try {
            contract.apply(value);
            return false;
        } catch (InvalidMessageException e) {
            return true;
        }
    }
}
