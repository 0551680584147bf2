package org.deepdefense.e2e;

import static org.deepdefense.e2e.PipelineDriver.TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;

/**
 * Benchmark, not part of the build's tests (its name does not end in IT): the wall time from publishing one
 * checkpoint to its report with 1, 2 and 3 attack replicas against one broker, printed as a table. Run with
 * {@code mvn -B -pl e2e-tests -am verify -Dtest=ShardingBench -Dsurefire.failIfNoSpecifiedTests=false}; sizes with
 * {@code -Dbench.test-subset=1000 -Dbench.shard-size=100 -Dbench.replicas=3}.
 */
class ShardingBench {

    @Test
    void evaluationWallTimeByAttackReplicas() throws Exception {
        int testSubset = Integer.getInteger("bench.test-subset", 1000);
        int shardSize = Integer.getInteger("bench.shard-size", 100);
        int maxReplicas = Integer.getInteger("bench.replicas", 3);
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "bench-");
        String run = "bench-" + Long.toString(System.currentTimeMillis(), 36);
        List<String> table = new ArrayList<>();
        try (LocalPipeline pipeline = LocalPipeline.start(runDir, projectRoot, 1,
                Map.of("ATTACK_SHARD_SIZE", Integer.toString(shardSize)))) {
            String bootstrap = pipeline.bootstrapServers();
            CheckpointPublished trained = PipelineDriver.train(bootstrap, run, 2000, 100);
            TopicReader.awaitReport(bootstrap, run, TIMEOUT);
            RobustnessReportMessage first = null;
            for (int replicas = 1; replicas <= maxReplicas; replicas++) {
                if (replicas > 1) {
                    pipeline.addReplicas(Service.ATTACK, 1);
                }
                PipelineDriver.awaitShardGroup(bootstrap, replicas);
                String runId = run + "-r" + replicas;
                long begun = System.nanoTime();
                PipelineDriver.republish(bootstrap, trained, runId, testSubset);
                RobustnessReportMessage report = TopicReader.awaitReport(bootstrap, runId, TIMEOUT);
                double seconds = (System.nanoTime() - begun) / 1e9;
                table.add(String.format(Locale.ROOT, "%8d %10.1f %12.6g %10s", replicas, seconds, report.rho2(),
                        report.epsRef() == null ? "none" : String.format(Locale.ROOT, "%.4g", report.epsRef())));
                if (first == null) {
                    first = report;
                } else {
                    assertEquals(first.rho2(), report.rho2(), "rho2 with " + replicas + " replicas");
                }
            }
        }
        System.out.printf(Locale.ROOT, "%nsharded evaluation of one MLP checkpoint, %d generated test images, shards of %d, "
                + "%d cores%n%8s %10s %12s %10s%n", testSubset, shardSize, Runtime.getRuntime().availableProcessors(),
                "replicas", "seconds", "rho2", "eps_ref");
        table.forEach(System.out::println);
    }
}
