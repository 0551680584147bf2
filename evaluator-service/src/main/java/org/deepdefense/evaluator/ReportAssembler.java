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
import java.util.TreeMap;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.EvaluationOptions;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.FgsGrid;
import org.deepdefense.metrics.ShardEvaluator;
import org.deepdefense.metrics.ShardMerger;

/**
 * Joins a final checkpoint with the shard results of the attacks it asked for, in whatever order they arrive,
 * into one report per checkpointId: once every shard of every attack is in, each attack's shards are merged in
 * shard order ({@link ShardMerger}), so the report does not depend on how many replicas did the work. A shard
 * that arrives twice (redelivered, or split twice) counts once; once a checkpoint is reported, records about it
 * are ignored. Every accepted record is saved in the {@link ShardState} first, and the state a previous process
 * left is restored on start. Records arrive on two channels at once, hence the synchronisation.
 */
@ApplicationScoped
public class ReportAssembler {
    /** Used when the checkpoint record does not say in which space ρ₂ and ε were measured. */
    static final String DEFAULT_SPACE = "preprocessed input of the checkpoint";
    private static final String ACCURACY_PREFIX = "acc_";

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
        if (!checkpoint.attacks().contains("deepfool")) {
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
     * @throws IllegalArgumentException if the result lacks a value its attack must report, or disagrees with
     *                                  earlier shards of its attack on the number of shards or the options
     */
    public synchronized Optional<Completed> add(ShardResult result) {
        ShardMerger.requireComplete(result.attack(), measurement(result), grid(result.options()),
                pgdEpsilons(result.options()));
        if (reported.contains(result.checkpointId())) {
            return Optional.empty();
        }
        Map<String, ShardResult> arrived = shardsOf(result.checkpointId());
        for (ShardResult other : arrived.values()) {
            if (other.attack().equals(result.attack())
                    && (other.shards() != result.shards() || !other.options().equals(result.options()))) {
                throw new IllegalArgumentException(result.attack() + " shard " + result.shard() + " of "
                        + result.checkpointId() + " disagrees with shard " + other.shard()
                        + " on the number of shards or the options");
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
        if (checkpoint == null) {
            return Optional.empty();
        }
        Map<String, List<ShardResult>> byAttack = new TreeMap<>();
        shardsOf(checkpointId).values()
                .forEach(r -> byAttack.computeIfAbsent(r.attack(), a -> new ArrayList<>()).add(r));
        for (String attack : checkpoint.attacks()) {
            List<ShardResult> shards = byAttack.get(attack);
            if (shards == null || shards.size() < shards.get(0).shards()) {
                return Optional.empty();
            }
        }
        List<AttackResult> merged = new ArrayList<>();
        for (String attack : checkpoint.attacks()) {
            merged.add(merge(checkpoint, attack, byAttack.get(attack)));
        }
        Map<String, AttackResult> byName = new LinkedHashMap<>();
        merged.forEach(result -> byName.put(result.attack(), result));
        RobustnessReportMessage report = report(checkpoint, byName);
        reported.add(checkpointId);
        checkpoints.remove(checkpointId);
        results.remove(checkpointId);
        return Optional.of(new Completed(merged, report));
    }

    private static AttackResult merge(CheckpointPublished checkpoint, String attack, List<ShardResult> shards) {
        EvaluationOptions options = shards.get(0).options();
        List<ShardMerger.Part> parts = shards.stream()
                .map(r -> new ShardMerger.Part(r.from(), r.to(), measurement(r))).toList();
        Map<String, Double> values = ShardMerger.merge(attack, parts, grid(options));
        int samples = shards.stream().mapToInt(r -> r.to() - r.from()).sum();
        // Shard order, like the values: the total is the same whoever did the shards.
        double seconds = shards.stream().sorted(Comparator.comparingInt(ShardResult::shard))
                .mapToDouble(ShardResult::seconds).sum();
        return new AttackResult(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(), attack,
                values, samples, seconds, Instant.now().toString());
    }

    private static ShardEvaluator.Measurement measurement(ShardResult result) {
        return new ShardEvaluator.Measurement(result.values(),
                result.fgsCorrect().stream().mapToLong(Integer::longValue).toArray());
    }

    private static FgsGrid grid(EvaluationOptions options) {
        return new FgsGrid(options.fgsGridMin(), options.fgsGridOctaves(), options.fgsGridPerOctave());
    }

    private static double[] pgdEpsilons(EvaluationOptions options) {
        return options.pgdEpsilons().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static RobustnessReportMessage report(CheckpointPublished checkpoint, Map<String, AttackResult> arrived) {
        Map<String, Double> deepFool = arrived.get("deepfool").values();
        Double epsRef = null;
        Map<String, Double> fgsAccuracy = new LinkedHashMap<>();
        // An ε_ref of 0 means the model is fooled without any perturbation: no reference scale to report.
        if (arrived.containsKey("fgs") && arrived.get("fgs").values().getOrDefault("epsRef", 0.0) > 0) {
            Map<String, Double> fgs = arrived.get("fgs").values();
            epsRef = fgs.get("epsRef");
            for (String fraction : RobustnessReportMessage.FGS_FRACTIONS) {
                fgsAccuracy.put(fraction, fgs.get(ACCURACY_PREFIX + fraction));
            }
        }
        Map<String, Double> pgdAccuracy = new LinkedHashMap<>();
        if (arrived.containsKey("pgd-linf")) {
            arrived.get("pgd-linf").values().forEach((name, value) -> {
                if (name.startsWith(ACCURACY_PREFIX)) {
                    pgdAccuracy.put(name.substring(ACCURACY_PREFIX.length()), value);
                }
            });
        }
        return new RobustnessReportMessage(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(),
                checkpoint.architecture(), checkpoint.dataset(), checkpoint.method(), deepFool.get("cleanAccuracy"),
                deepFool.get("rho2"), epsRef, fgsAccuracy, pgdAccuracy, space(checkpoint), Instant.now().toString());
    }

    private static String space(CheckpointPublished checkpoint) {
        Object preprocessing = checkpoint.metadata().get("preprocessing");
        return preprocessing instanceof String text && !text.isBlank() && text.length() <= 256 ? text : DEFAULT_SPACE;
    }
}
