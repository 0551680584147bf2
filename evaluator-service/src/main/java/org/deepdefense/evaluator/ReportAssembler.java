package org.deepdefense.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deepdefense.attack.AttackSuite;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.AttackSummary;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.metrics.SampleOutcomes;

/**
 * Joins a final checkpoint with its shard results, in whatever order they arrive, into one report per
 * checkpointId: once every shard is in, their per-sample outcomes are concatenated in test-set order and the report
 * is built from them ({@link RobustnessReport#of}), so it does not depend on how many replicas did the work. A shard
 * that arrives twice (redelivered, or split twice) counts once; once a checkpoint is reported, records about it
 * are ignored. Every accepted record is saved in the {@link ShardState} first, and the state a previous process
 * left is restored on start. Records arrive on two channels at once, hence the synchronisation.
 */
@ApplicationScoped
public class ReportAssembler {
    /** Used when the checkpoint record does not say in which space ρ₂ and ε were measured. */
    static final String DEFAULT_SPACE = "preprocessed input of the checkpoint";

    /** A finished checkpoint: the merged result of each attack, and the report. */
    public record Completed(List<AttackResult> results, RobustnessReportMessage report) {}

    private final ShardState state;
    private final Map<String, CheckpointPublished> checkpoints = new HashMap<>();
    /** By checkpointId, then "attack/shard". */
    private final Map<String, Map<String, ShardResult>> results = new HashMap<>();
    private final Set<String> reported = new HashSet<>();

    ReportAssembler(ShardState state) {
        this.state = state;
        ShardState.Saved saved = state.restored();
        saved.reports().forEach(report -> reported.add(report.checkpointId()));
        // Not completed here: a checkpoint whose shards were all saved but whose report was not published is
        // completed when its last record, not yet acknowledged, is delivered again.
        saved.checkpoints().forEach(checkpoint -> checkpoints.put(checkpoint.checkpointId(), checkpoint));
        saved.results().forEach(result -> shardsOf(result.checkpointId()).put(result.shardId(), result));
    }

    /**
     * @return the merged results and report, if this checkpoint completes one
     * @throws IllegalArgumentException if the checkpoint cannot be reported on (it did not ask for DeepFool)
     */
    public synchronized Optional<Completed> add(CheckpointPublished checkpoint) {
        if (!AttackSuite.expand(checkpoint.attacks()).contains("deepfool")) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.checkpointId()
                    + " did not ask for deepfool: a robustness report needs rho2");
        }
        if (reported.contains(checkpoint.checkpointId())) {
            return Optional.empty();
        }
        if (!checkpoints.containsKey(checkpoint.checkpointId())) {
            state.save(checkpoint);
            checkpoints.put(checkpoint.checkpointId(), checkpoint);
        }
        return complete(checkpoint.checkpointId());
    }

    /**
     * @return the merged results and report, if this shard completes one
     * @throws IllegalArgumentException if the result disagrees with earlier shards of its checkpoint on the number
     *                                  of shards, the attacks or the options
     */
    public synchronized Optional<Completed> add(ShardResult result) {
        if (reported.contains(result.checkpointId())) {
            return Optional.empty();
        }
        Map<String, ShardResult> arrived = shardsOf(result.checkpointId());
        for (ShardResult other : arrived.values()) {
            if (other.shards() != result.shards() || !other.attacks().equals(result.attacks())
                    || !other.options().equals(result.options())) {
                throw new IllegalArgumentException("shard " + result.shard() + " of " + result.checkpointId()
                        + " disagrees with shard " + other.shard() + " on the number of shards, the attacks or the"
                        + " options");
            }
        }
        if (!arrived.containsKey(result.shardId())) {
            state.save(result);
            arrived.put(result.shardId(), result);
        }
        return complete(result.checkpointId());
    }

    private Map<String, ShardResult> shardsOf(String checkpointId) {
        return results.computeIfAbsent(checkpointId, id -> new HashMap<>());
    }

    private Optional<Completed> complete(String checkpointId) {
        CheckpointPublished checkpoint = checkpoints.get(checkpointId);
        Map<String, ShardResult> arrived = shardsOf(checkpointId);
        if (checkpoint == null || arrived.isEmpty()
                || arrived.size() < arrived.values().iterator().next().shards()) {
            return Optional.empty();
        }
        List<ShardResult> shards = new ArrayList<>(arrived.values());
        shards.sort(Comparator.comparingInt(ShardResult::from));
        int samples = 0;
        for (ShardResult shard : shards) {
            if (shard.from() != samples) {
                throw new IllegalArgumentException("the shards of " + checkpointId + " do not tile the test set:"
                        + " expected one from " + samples + ", got [" + shard.from() + ", " + shard.to() + ")");
            }
            samples = shard.to();
        }
        // Concatenation in test-set order: the report is the same whoever did which shard.
        SampleOutcomes outcomes = SampleOutcomes.concat(shards.stream()
                .map(shard -> shard.outcomes().unpack(shard.to() - shard.from())).toList());
        ShardResult first = shards.get(0);
        double seconds = shards.stream().mapToDouble(ShardResult::seconds).sum();
        RobustnessReport report = RobustnessReport.of(outcomes, first.options().evaluatorOptions(first.attacks()),
                checkpoint.architecture(), checkpoint.dataset(), checkpoint.method(), space(checkpoint), seconds);
        String now = Instant.now().toString();
        List<AttackResult> merged = attackResults(checkpoint, report, samples, now);
        reported.add(checkpointId);
        checkpoints.remove(checkpointId);
        results.remove(checkpointId);
        return Optional.of(new Completed(merged,
                RobustnessReportMessage.of(checkpoint.runId(), checkpointId, report, now)));
    }

    /** One record per attack: its accuracy, robust accuracy after it and samples broken, by norm and budget. */
    private static List<AttackResult> attackResults(CheckpointPublished checkpoint, RobustnessReport report,
            int samples, String now) {
        Map<String, Map<String, Double>> values = new LinkedHashMap<>();
        Map<String, Double> seconds = new LinkedHashMap<>();
        for (AttackSummary attack : report.attacks()) {
            Map<String, Double> v = values.computeIfAbsent(attack.name(), a -> new LinkedHashMap<>());
            String norm = attack.norm() + "_";
            attack.accuracy().forEach((eps, acc) -> v.put(norm + "acc_" + eps, acc));
            attack.robustAfter().forEach((eps, acc) -> v.put(norm + "robust_after_" + eps, acc));
            attack.broken().forEach((eps, count) -> v.put(norm + "broken_" + eps, count.doubleValue()));
            seconds.merge(attack.name(), attack.seconds(), Double::sum);
        }
        values.computeIfAbsent("deepfool", a -> new LinkedHashMap<>()).put("rho2", report.rho2());
        return values.entrySet().stream().map(e -> new AttackResult(Messages.SCHEMA_VERSION, checkpoint.runId(),
                checkpoint.checkpointId(), e.getKey(), e.getValue(), samples, seconds.getOrDefault(e.getKey(), 0.0),
                now)).toList();
    }

    private static String space(CheckpointPublished checkpoint) {
        Object preprocessing = checkpoint.metadata().get("preprocessing");
        return preprocessing instanceof String text && !text.isBlank() && text.length() <= 256 ? text : DEFAULT_SPACE;
    }
}
