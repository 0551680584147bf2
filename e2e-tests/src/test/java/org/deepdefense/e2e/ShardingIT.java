package org.deepdefense.e2e;

import static org.deepdefense.e2e.PipelineDriver.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;

/**
 * Sharded attack evaluation through the packaged services and one real broker: the same checkpoint gives the same
 * report whether one attack-service process or three share its shards, and a kill -9 of an attack replica and of the
 * evaluator while they work on a checkpoint still ends in exactly one report.
 */
class ShardingIT {
    private static final String RUN_ID = "shard-" + Long.toString(System.currentTimeMillis(), 36);

    @Test
    void oneOrThreeAttackReplicasGiveTheSameReportAndAKillLosesNothing() throws Exception {
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "sharding-");
        // Shards of 100 images: the 300-image test set is 3 shards; a short suite; a killed replica's partitions
        // move after 6 s (the broker's minimum session timeout).
        Map<String, String> environment = Map.of("ATTACK_SHARD_SIZE", "100", "DEEPDEFENSE_ATTACK_APGD_ITERATIONS",
                "20", "DEEPDEFENSE_ATTACK_SQUARE_QUERIES", "200", "ATTACK_SESSION_TIMEOUT_MS", "6000");
        try (LocalPipeline pipeline = LocalPipeline.start(runDir, projectRoot, 1, environment)) {
            String bootstrap = pipeline.bootstrapServers();
            CheckpointPublished trained = PipelineDriver.train(bootstrap, RUN_ID, 200, 300);
            RobustnessReportMessage one = TopicReader.awaitReport(bootstrap, RUN_ID, TIMEOUT);

            pipeline.addReplicas(Service.ATTACK, 2);
            PipelineDriver.awaitShardGroup(bootstrap, 3);
            String threeRun = RUN_ID + "-x3";
            PipelineDriver.republish(bootstrap, trained, threeRun, 300);
            assertSameNumbers(one, TopicReader.awaitReport(bootstrap, threeRun, TIMEOUT));
            assertEquals(perSample(bootstrap, RUN_ID + "-final"), perSample(bootstrap, threeRun + "-final"),
                    "per-sample outcomes, 1 replica vs 3 replicas");
            for (int replica = 0; replica < 3; replica++) {
                String log = Files.readString(pipeline.log(Service.ATTACK, replica));
                assertTrue(log.contains("checkpoint " + threeRun + "-final: "), "replica " + replica + " did no shard");
            }

            // Scaled down to one replica, 1,000 images (10 shards) are slow enough to be caught mid-way.
            pipeline.stop(Service.ATTACK, 1);
            pipeline.stop(Service.ATTACK, 2);
            String killRun = RUN_ID + "-kill";
            PipelineDriver.republish(bootstrap, trained, killRun, 1000);
            awaitCommittedShardResult(bootstrap, killRun + "-final");
            assertEquals(0, PipelineDriver.reports(bootstrap, killRun), "done before the kill: raise its size");
            pipeline.kill(Service.EVALUATOR, 0);
            pipeline.kill(Service.ATTACK, 0);
            pipeline.restart(Service.EVALUATOR, 0);
            pipeline.restart(Service.ATTACK, 0);
            RobustnessReportMessage afterKill = TopicReader.awaitReport(bootstrap, killRun, TIMEOUT);
            assertTrue(afterKill.rho2() > 0, "rho2 " + afterKill.rho2());
            // Whatever was redelivered after the restart has been handled once a later checkpoint's report is in.
            String lastRun = RUN_ID + "-last";
            PipelineDriver.republish(bootstrap, trained, lastRun, 100);
            TopicReader.awaitReport(bootstrap, lastRun, TIMEOUT);
            assertEquals(1, PipelineDriver.reports(bootstrap, killRun), "reports of the checkpoint killed mid-way");
        }
    }

    /** Every number and label of the report; only the ids and the time may differ. */
    private static void assertSameNumbers(RobustnessReportMessage expected, RobustnessReportMessage actual) {
        assertEquals(numbers(expected), numbers(actual), "1 replica vs 3 replicas");
    }

    private static Map<String, Object> numbers(RobustnessReportMessage r) {
        Map<String, Object> numbers = new LinkedHashMap<>();
        numbers.put("architecture", r.architecture());
        numbers.put("dataset", r.dataset());
        numbers.put("method", r.method());
        numbers.put("cleanAccuracy", r.cleanAccuracy());
        numbers.put("rho2", r.rho2());
        numbers.put("epsRef", r.epsRef());
        numbers.put("fgsAccuracy", r.fgsAccuracy());
        numbers.put("pgdAccuracy", r.pgdAccuracy());
        numbers.put("space", r.space());
        numbers.put("robustAccuracy", r.robustAccuracy());
        numbers.put("warnings", r.warnings());
        numbers.put("paperFgs", r.report().paperFgs());
        numbers.put("attacks", r.report().attacks().stream()
                .map(a -> List.of(a.name(), a.norm(), a.accuracy(), a.robustAfter(), a.broken())).toList());
        return numbers;
    }

    /** The packed per-sample outcomes of a checkpoint's shards by shard index, without their timings. */
    private static Map<Integer, List<Object>> perSample(String bootstrap, String checkpointId) {
        Map<Integer, List<Object>> outcomes = new java.util.TreeMap<>();
        for (var record : TopicReader.readAll(bootstrap, List.of(Topics.SHARD_RESULTS))) {
            if (checkpointId.equals(record.key())
                    && Messages.parseShardOutput(record.value()) instanceof ShardResult result) {
                var o = result.outcomes();
                outcomes.put(result.shard(), List.of(result.from(), result.to(), o.correct(), o.saturated(),
                        o.zeroGradient(), o.inputNorms(), o.minimumNorm(), o.fixedBudget(), o.doubled()));
            }
        }
        return outcomes;
    }

    /** Waits until the evaluator has committed a shard result of the checkpoint: that record will not come back. */
    private static void awaitCommittedShardResult(String bootstrap, String checkpointId) throws Exception {
        // A result, not the plan before it; in the partition of the checkpoint's key.
        var result = TopicReader.await(bootstrap, List.of(Topics.SHARD_RESULTS), TIMEOUT,
                r -> checkpointId.equals(r.key()) && Messages.parseShardOutput(r.value()) instanceof ShardResult
                        ? Optional.of(r) : Optional.empty());
        long offset = result.offset();
        TopicPartition partition = new TopicPartition(Topics.SHARD_RESULTS, result.partition());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            while (System.nanoTime() < deadline) {
                OffsetAndMetadata committed = admin.listConsumerGroupOffsets("evaluator-service")
                        .partitionsToOffsetAndMetadata().get().get(partition);
                if (committed != null && committed.offset() > offset) {
                    return;
                }
                Thread.sleep(100);
            }
        }
        throw new AssertionError("the evaluator never committed a shard result of " + checkpointId);
    }
}
