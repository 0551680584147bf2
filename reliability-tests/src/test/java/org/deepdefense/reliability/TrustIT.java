package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.PackedOutcomes;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.deepdefense.metrics.SampleOutcomes;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Records that pass the contract and still must not be obeyed, on the deployed partition counts (6 and 12): one per
 * consumed topic that asks for more work than a service allows, and shard results that are forged (no plan known,
 * another range, other findings than the recorded shard) or a plan that contradicts the recorded one. Each is
 * dead-lettered by the service that consumes it, with its reason; the report made before stays as it was; every
 * service stays live and ready and a new run still ends in a report.
 */
@ExtendWith(SharedPipeline.class)
class TrustIT {
    private static final String SUFFIX = "-" + Long.toString(System.currentTimeMillis(), 36);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    /** A hostile record, the service that must refuse it and what its reason must say. */
    private record Hostile(String topic, String key, String json, Service refuser, String reason) {}

    @Test
    void validButHostileRecordsAreRefusedByTheirConsumersAndForgedResultsChangeNothing(LocalPipeline pipeline)
            throws Exception {
        String bootstrap = pipeline.bootstrapServers();
        String runId = "trust" + SUFFIX;
        String checkpointId = runId + "-final";
        // A result for this run's checkpoint is sent before the run exists: with no plan known it is refused.
        String forgedEarly = "trust-next" + SUFFIX;
        Kafka.send(bootstrap, Topics.TRAINING_REQUESTS, runId, Kafka.request(runId, 100, 50, 1, 100));
        RobustnessReportMessage report = TopicReader.awaitReport(bootstrap, runId, TIMEOUT);
        Kafka.ShardOutputs outputs = Kafka.shardOutputs(pipeline.clientProperties(), checkpointId);
        ShardPlan plan = outputs.plan();
        ShardResult real = outputs.results().get(0);
        String checkpoint = new String(TopicReader.readAll(bootstrap, List.of(Topics.CHECKPOINTS)).stream()
                .filter(r -> runId.equals(r.key()))
                .filter(r -> Messages.parseCheckpointPublished(r.value()).finalCheckpoint()).findFirst()
                .orElseThrow().value(), StandardCharsets.UTF_8);
        String shard = new String(TopicReader.readAll(bootstrap, List.of(Topics.ATTACK_SHARDS)).stream()
                .filter(r -> r.key() != null && r.key().startsWith(checkpointId + "/")).findFirst().orElseThrow()
                .value(), StandardCharsets.UTF_8);

        List<Hostile> hostile = List.of(
                new Hostile(Topics.TRAINING_REQUESTS, runId + "-huge", Kafka.request(runId + "-huge", 60_000, 50,
                        200, 100), Service.TRAINER, "max-training-images"),
                // The record of issue 14 that once exhausted the attack service's heap.
                new Hostile(Topics.ATTACK_SHARDS, checkpointId + "/0", shard.replace("\"testSubset\":100",
                        "\"testSubset\":2000000000").replaceAll("\"pgdSteps\":\\d+", "\"pgdSteps\":1000"),
                        Service.ATTACK, "testSubset 2000000000 is over this replica's limit"),
                new Hostile(Topics.CHECKPOINTS, runId, checkpoint.replace(checkpointId, checkpointId + "-huge")
                        .replace("\"testSubset\":100", "\"testSubset\":2000000000"), Service.ATTACK,
                        "metadata.testSubset 2000000000 is over this replica's limit"),
                new Hostile(Topics.SHARD_RESULTS, forgedEarly + "-final", json(retarget(real, forgedEarly)),
                        Service.EVALUATOR, "no shard plan known for checkpoint " + forgedEarly + "-final"),
                new Hostile(Topics.SHARD_RESULTS, checkpointId, json(new ShardResult(1, runId, checkpointId,
                        real.attacks(), real.shard(), real.shards(), real.from() + 1, real.to() + 1,
                        real.outcomes(), real.options(), 0, real.timestamp())), Service.EVALUATOR, "the plan ["),
                new Hostile(Topics.SHARD_RESULTS, checkpointId, json(new ShardResult(1, runId, checkpointId,
                        real.attacks(), real.shard(), real.shards(), real.from(), real.to(), firstFlipped(real),
                        real.options(), 0, real.timestamp())), Service.EVALUATOR,
                        "differs from the result recorded for it"),
                new Hostile(Topics.SHARD_RESULTS, checkpointId, json(new ShardPlan(1, runId, checkpointId,
                        plan.attacks(), List.of(0, plan.samples() / 2, plan.samples()), plan.options(),
                        plan.timestamp())),
                        Service.EVALUATOR, "arrived after the checkpoint was reported with another"));

        Map<Hostile, Kafka.Position> sent = new LinkedHashMap<>();
        for (Hostile h : hostile) {
            sent.put(h, Kafka.send(bootstrap, h.topic(), h.key(), h.json()));
        }
        for (var entry : sent.entrySet()) {
            Hostile h = entry.getKey();
            DeadLetter letter = Kafka.awaitLetter(pipeline.clientProperties(), h.topic(), entry.getValue(), h.refuser(),
                    TIMEOUT);
            assertTrue(letter.reason().contains(h.reason()), h.topic() + ": " + letter.reason());
            System.out.printf("trust: %s[%d]@%d refused by %s: %s%n", h.topic(), entry.getValue().partition(),
                    entry.getValue().offset(), h.refuser().module(), letter.reason());
        }

        String after = forgedEarly;
        Kafka.send(bootstrap, Topics.TRAINING_REQUESTS, after, Kafka.request(after, 100, 50, 1, 100));
        TopicReader.awaitReport(bootstrap, after, TIMEOUT);
        assertEquals(1, TopicReader.readAll(bootstrap, List.of(Topics.REPORTS)).stream()
                .filter(r -> runId.equals(r.key())).count(), "one report for " + runId);
        String runs = Kafka.get(pipeline.url(Service.EVALUATOR).resolve("/runs/" + runId));
        assertTrue(runs.contains("\"rho2\":" + report.rho2()), "the report changed: " + runs);
        assertTrue(Kafka.get(pipeline.url(Service.EVALUATOR).resolve("/checkpoints/" + checkpointId))
                .contains("\"status\":\"reported\""));
        for (Service service : Service.values()) {
            Kafka.get(pipeline.url(service).resolve("/q/health/live"));
            Kafka.get(pipeline.url(service).resolve("/q/health/ready"));
        }
        assertTrue(pipeline.processes().stream().allMatch(ProcessHandle::isAlive), "a process died");
    }

    private static String json(Message message) {
        return new String(Messages.toJson(message), StandardCharsets.UTF_8);
    }

    /** The same result, claimed for another run's checkpoint. */
    private static ShardResult retarget(ShardResult r, String runId) {
        return new ShardResult(1, runId, runId + "-final", r.attacks(), r.shard(), r.shards(), r.from(), r.to(),
                r.outcomes(), r.options(), r.seconds(), r.timestamp());
    }

    /** The outcomes of {@code r} but with its first sample's clean prediction turned: a lie about one image. */
    private static PackedOutcomes firstFlipped(ShardResult r) {
        SampleOutcomes o = r.outcomes().unpack(r.to() - r.from());
        boolean[] correct = o.correct().clone();
        correct[0] = !correct[0];
        return PackedOutcomes.of(new SampleOutcomes(o.size(), correct, o.saturated(), o.zeroGradient(),
                o.inputNorms(), o.minimumNorm(), o.fixedBudget(), o.doubled(), o.seconds()));
    }
}
