package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.TopicReader;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Thirty small training requests at once: thirty reports, none lost, none twice; the queue shows in the metrics. */
@ExtendWith(SharedPipeline.class)
class LoadIT {
    private static final int RUNS = 30;
    private static final String PREFIX = "load-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    private static final Duration TIMEOUT = Duration.ofMinutes(4);

    @Test
    void thirtyRequestsAtOnceEndInThirtyReports(LocalPipeline pipeline) throws Exception {
        List<Kafka.Record> requests = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) {
            String runId = PREFIX + i;
            requests.add(new Kafka.Record(runId,
                    Kafka.request(runId, 100, 50, 1, 50).getBytes(StandardCharsets.UTF_8)));
        }
        AtomicBoolean waiting = new AtomicBoolean(true);
        AtomicInteger deepestQueue = new AtomicInteger();
        Thread scraper = new Thread(() -> scrapeQueueDepth(pipeline, waiting, deepestQueue), "queue-depth-scraper");
        scraper.start();
        long sent = System.nanoTime();
        List<ConsumerRecord<String, byte[]>> reports;
        try {
            Kafka.send(pipeline.bootstrapServers(), Topics.TRAINING_REQUESTS, requests);
            reports = Kafka.read(pipeline.bootstrapServers(), List.of(Topics.REPORTS), TIMEOUT,
                    read -> ours(read).size() == RUNS);
        } finally {
            waiting.set(false);
            scraper.join();
        }
        double minutes = (System.nanoTime() - sent) / 60e9;
        System.out.printf("load: %d runs in %.1f s, %.1f runs/min; deepest queue %d%n",
                ours(reports).size(), minutes * 60, ours(reports).size() / minutes, deepestQueue.get());

        // Redelivered or repeated work would show as a second report a little later: wait a while, read it all.
        Thread.sleep(3000);
        Map<String, Long> perRun = ours(TopicReader.readAll(pipeline.bootstrapServers(), List.of(Topics.REPORTS)));
        assertEquals(RUNS, perRun.size(), () -> "runs with a report: " + perRun.keySet());
        perRun.forEach((run, count) -> assertEquals(1, count, run + " reported " + count + " times"));
        Map<String, Long> finals = ours(TopicReader.readAll(pipeline.bootstrapServers(), List.of(Topics.CHECKPOINTS))
                .stream().filter(r -> r.key() != null && r.key().startsWith(PREFIX)) // not the fuzz test's records
                .filter(r -> Messages.parseCheckpointPublished(r.value()).finalCheckpoint()).toList());
        assertEquals(RUNS, finals.size(), () -> "runs with a final checkpoint: " + finals.keySet());
        finals.forEach((run, count) -> assertEquals(1, count, run + " published " + count + " final checkpoints"));
        assertTrue(deepestQueue.get() > 0, "the trainer's queue depth never showed a waiting request");
    }

    /** Reports (or any records) of this test's runs, counted by run id. */
    private static Map<String, Long> ours(List<ConsumerRecord<String, byte[]>> records) {
        return records.stream().filter(r -> r.key() != null && r.key().startsWith(PREFIX))
                .collect(Collectors.groupingBy(ConsumerRecord::key, TreeMap::new, Collectors.counting()));
    }

    /** Keeps the deepest {@code deepdefense_training_queue_depth} seen on the trainer's /q/metrics. */
    private static void scrapeQueueDepth(LocalPipeline pipeline, AtomicBoolean waiting, AtomicInteger deepest) {
        Function<String, Integer> depth = metrics -> metrics.lines()
                .filter(line -> line.startsWith("deepdefense_training_queue_depth"))
                .map(line -> (int) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElseThrow(() -> new AssertionError("no deepdefense_training_queue_depth gauge"));
        while (waiting.get()) {
            try {
                deepest.accumulateAndGet(depth.apply(Kafka.get(pipeline.url(Service.TRAINER).resolve("/q/metrics"))),
                        Math::max);
                Thread.sleep(100);
            } catch (Exception e) {
                throw new IllegalStateException("cannot scrape the trainer's metrics", e);
            }
        }
    }
}
