package org.deepdefense.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;
import org.deepdefense.attack.AttackSuite;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.metrics.AttackSummary;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.metrics.SampleOutcomes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Joins a final checkpoint, the plan its splitter published and the shard results, in whatever order the two
 * topics deliver them, into one report per checkpointId: once every planned shard is in, their per-sample outcomes
 * are concatenated in test-set order and the report is built from them ({@link RobustnessReport#of}), so it does
 * not depend on how many replicas did the work.
 *
 * <p>A result counts only if it is a shard of the known plan (its run, shard count, range, attacks and options)
 * and only once: a copy with the same findings is ignored, one that differs, a second plan that differs from the
 * first, or a checkpoint record that differs from the first is refused ({@link IllegalArgumentException}, the
 * caller dead-letters it) before anything is stored. The plan precedes its results in their partition, so a result
 * without a known plan is refused at once. A checkpoint not reported within the deadline is failed: its bookkeeping
 * is closed and a dead letter says what was missing. Only open checkpoints are held in memory (a bit per shard and
 * the two small records), at most {@code max-open-checkpoints}; results are read from the {@link ShardState} when
 * the last one is in. Records arrive on two channels at once, hence the synchronisation.
 */
@ApplicationScoped
public class ReportAssembler {
    /** Used when the checkpoint record does not say in which space ρ₂ and ε were measured. */
    static final String DEFAULT_SPACE = "preprocessed input of the checkpoint";

    /** What bounds the assembler: the deadline of a checkpoint, how many may be open, how large a test set. */
    public record Limits(Duration deadline, int maxOpenCheckpoints, int maxTestImages) {}

    /** What a record led to. */
    public sealed interface Outcome {}

    /** Nothing to publish yet (or again). */
    public record Pending() implements Outcome {}

    /** A finished checkpoint: the merged result of each attack, and the report; {@link #reported} once it is out. */
    public record Completed(List<AttackResult> results, RobustnessReportMessage report) implements Outcome {}

    /** A checkpoint that cannot be reported: send {@code letter}, then call {@link #failed}. */
    public record Failed(String checkpointId, DeadLetter letter) implements Outcome {}

    private static final Pending PENDING = new Pending();

    /** An open checkpoint; {@code closing} once its report or failure is on the way. */
    private static final class Open {
        final ShardState.Origin origin;
        CheckpointPublished checkpoint;
        ShardPlan plan;
        final BitSet shards;
        boolean closing;
        /** Set when the checkpoint failed, until its dead letter is out; offered again until then. */
        Failed failure;

        Open(ShardState.Origin origin, CheckpointPublished checkpoint, ShardPlan plan, BitSet shards) {
            this.origin = origin;
            this.checkpoint = checkpoint;
            this.plan = plan;
            this.shards = shards;
        }
    }

    private final ShardState state;
    private final Limits limits;
    private final Map<String, Open> open = new HashMap<>();

    @Inject
    ReportAssembler(ShardState state,
            @ConfigProperty(name = "deepdefense.evaluator.shard-deadline") Duration deadline,
            @ConfigProperty(name = "deepdefense.evaluator.max-open-checkpoints") int maxOpenCheckpoints,
            @ConfigProperty(name = "deepdefense.evaluator.max-test-images") int maxTestImages) {
        this(state, new Limits(deadline, maxOpenCheckpoints, maxTestImages));
    }

    ReportAssembler(ShardState state, Limits limits) {
        this.state = state;
        this.limits = limits;
        // Not completed here: a checkpoint whose shards were all saved but whose report was not published is
        // completed when a record of it, its last one not yet acknowledged, is delivered again.
        state.open().forEach(saved -> open.put(saved.checkpointId(),
                new Open(saved.origin(), saved.checkpoint(), saved.plan(), saved.shards())));
    }

    /** @throws IllegalArgumentException if the checkpoint cannot be reported on or contradicts the recorded one */
    public synchronized Outcome add(CheckpointPublished checkpoint, ShardState.Origin origin) {
        String id = checkpoint.checkpointId();
        if (!AttackSuite.expand(checkpoint.attacks()).contains("deepfool")) {
            throw new IllegalArgumentException("checkpoint " + id + " did not ask for deepfool: a robustness report"
                    + " needs rho2");
        }
        Open entry = open.get(id);
        if (entry == null && state.status(id) != ShardState.Status.UNKNOWN) {
            requireSame(id, state.checkpoint(id).orElse(null), checkpoint);
            return PENDING;
        }
        if (entry != null && entry.checkpoint != null) {
            requireSame(id, entry.checkpoint, checkpoint);
            return complete(id);
        }
        entry = entry != null ? entry : open(id, origin);
        state.save(checkpoint);
        entry.checkpoint = checkpoint;
        return complete(id);
    }

    /** @throws IllegalArgumentException if the plan is too large or contradicts the recorded one */
    public synchronized Outcome add(ShardPlan plan, ShardState.Origin origin) {
        String id = plan.checkpointId();
        if (plan.samples() > limits.maxTestImages()) {
            throw new IllegalArgumentException("the plan of " + id + " covers " + plan.samples()
                    + " test images, over this evaluator's limit " + limits.maxTestImages()
                    + " (deepdefense.evaluator.max-test-images)");
        }
        Open entry = open.get(id);
        if (entry == null && state.status(id) != ShardState.Status.UNKNOWN) {
            ShardPlan known = state.plan(id).orElse(null);
            if (known == null || !known.samePlan(plan)) {
                throw new IllegalArgumentException("shard plan of " + id + " arrived after the checkpoint was "
                        + state.status(id).name().toLowerCase() + (known == null ? " without one" : " with another"));
            }
            return PENDING;
        }
        if (entry != null && entry.plan != null) {
            if (!entry.plan.samePlan(plan)) {
                throw new IllegalArgumentException("shard plan of " + id + " conflicts with the one recorded: "
                        + entry.plan.shards() + " shards over " + entry.plan.samples() + " images, attacks "
                        + entry.plan.attacks() + " (this one: " + plan.shards() + " over " + plan.samples() + ", "
                        + plan.attacks() + ")");
            }
            return complete(id);
        }
        entry = entry != null ? entry : open(id, origin);
        state.save(plan);
        entry.plan = plan;
        return complete(id);
    }

    /** @throws IllegalArgumentException for a result that is not a shard of the known plan or contradicts one */
    public synchronized Outcome add(ShardResult result) {
        String id = result.checkpointId();
        Open entry = open.get(id);
        ShardState.Status closed = entry == null ? state.status(id) : ShardState.Status.OPEN;
        ShardPlan plan = entry != null ? entry.plan : closed != ShardState.Status.UNKNOWN ? state.plan(id).orElse(null)
                : null;
        if (plan == null) {
            throw new IllegalArgumentException("no shard plan known for checkpoint " + id + ": its splitter publishes"
                    + " one before any shard, in the partition of its results");
        }
        plan.mismatch(result).ifPresent(reason -> {
            throw new IllegalArgumentException(reason);
        });
        boolean recorded = entry != null ? entry.shards.get(result.shard())
                : state.result(id, result.shard()).isPresent();
        if (recorded) {
            if (!state.result(id, result.shard()).orElseThrow().sameFindings(result)) {
                throw new IllegalArgumentException("shard " + result.shard() + " of " + id + " differs from the"
                        + " result recorded for it");
            }
            return entry != null ? complete(id) : PENDING;
        }
        if (entry == null) {
            throw new IllegalArgumentException("shard " + result.shard() + " of " + id + " arrived after the"
                    + " checkpoint was " + closed.name().toLowerCase());
        }
        state.save(result);
        entry.shards.set(result.shard());
        return complete(id);
    }

    /** The report of {@code checkpointId} is on the broker and recorded: its bookkeeping leaves memory. */
    public synchronized void reported(String checkpointId) {
        open.remove(checkpointId);
    }

    /** The failure's dead letter is on the broker: it is recorded, and the checkpoint leaves memory. */
    public synchronized void failed(Failed failure) {
        state.saveFailure(failure.checkpointId(), failure.letter());
        open.remove(failure.checkpointId());
    }

    /**
     * The open checkpoints past their deadline at {@code now}, and failures whose dead letter is not out yet, each
     * to be sent and then {@link #failed}.
     */
    public synchronized List<Failed> expired(Instant now) {
        List<Failed> failures = new ArrayList<>();
        open.forEach((id, entry) -> {
            if (entry.failure != null) {
                failures.add(entry.failure);
            } else if (!entry.closing && entry.origin.opened().plus(limits.deadline()).isBefore(now)) {
                failures.add(fail(id, entry, "not reported within " + limits.deadline() + ": " + missing(entry), now));
            }
        });
        return failures;
    }

    /** How many checkpoints are open. */
    public synchronized int openCheckpoints() {
        return open.size();
    }

    /** What an open checkpoint has: its plan's shard count and the shards in, if it is open. */
    public synchronized Optional<int[]> progress(String checkpointId) {
        Open entry = open.get(checkpointId);
        return entry == null ? Optional.empty()
                : Optional.of(new int[] {entry.shards.cardinality(), entry.plan == null ? 0 : entry.plan.shards()});
    }

    private Open open(String id, ShardState.Origin origin) {
        if (open.size() >= limits.maxOpenCheckpoints()) {
            throw new IllegalArgumentException(open.size() + " checkpoints are open, this evaluator's limit"
                    + " (deepdefense.evaluator.max-open-checkpoints); checkpoint " + id + " is refused");
        }
        state.open(id, origin);
        Open entry = new Open(origin, null, null, new BitSet());
        open.put(id, entry);
        return entry;
    }

    private static void requireSame(String id, CheckpointPublished known, CheckpointPublished checkpoint) {
        if (known == null) {
            throw new IllegalArgumentException("checkpoint " + id + " arrived after its bookkeeping was closed"
                    + " without it");
        }
        if (!known.equals(checkpoint)) {
            throw new IllegalArgumentException("checkpoint " + id + " conflicts with the checkpoint record recorded"
                    + " for it (store key " + known.storeKey() + ", sha256 " + known.sha256() + ")");
        }
    }

    private static String missing(Open entry) {
        List<String> missing = new ArrayList<>();
        if (entry.checkpoint == null) {
            missing.add("the final checkpoint record never arrived");
        }
        if (entry.plan == null) {
            missing.add("no shard plan arrived");
        } else {
            List<Integer> absent = IntStream.range(0, entry.plan.shards()).filter(i -> !entry.shards.get(i))
                    .boxed().toList();
            missing.add(absent.size() + " of " + entry.plan.shards() + " shards missing "
                    + (absent.size() > 20 ? absent.subList(0, 20) + "…" : absent));
        }
        return String.join("; ", missing);
    }

    private Failed fail(String id, Open entry, String reason, Instant now) {
        entry.closing = true;
        Message first = entry.checkpoint != null ? entry.checkpoint : entry.plan;
        String key = entry.checkpoint != null ? entry.checkpoint.runId() : id;
        entry.failure = new Failed(id, DeadLetter.of(entry.origin.topic(), entry.origin.partition(),
                entry.origin.offset(), key, "checkpoint " + id + ": " + reason,
                first == null ? null : Messages.toJson(first), now));
        return entry.failure;
    }

    private Outcome complete(String id) {
        Open entry = open.get(id);
        if (entry.closing || entry.checkpoint == null || entry.plan == null) {
            return PENDING;
        }
        CheckpointPublished checkpoint = entry.checkpoint;
        ShardPlan plan = entry.plan;
        List<String> asked = AttackSuite.expand(checkpoint.attacks());
        if (!plan.runId().equals(checkpoint.runId()) || !plan.attacks().equals(asked)) {
            return fail(id, entry, "the shard plan (run " + plan.runId() + ", attacks " + plan.attacks()
                    + ") does not match the checkpoint (run " + checkpoint.runId() + ", attacks " + asked + ")",
                    Instant.now());
        }
        if (entry.shards.cardinality() < plan.shards()) {
            return PENDING;
        }
        entry.closing = true;
        List<ShardResult> shards = new ArrayList<>();
        for (int i = 0; i < plan.shards(); i++) {
            shards.add(state.result(id, i).orElseThrow());
        }
        // Concatenation in test-set order (the plan's tiling): the report is the same whoever did which shard.
        SampleOutcomes outcomes = SampleOutcomes.concat(shards.stream()
                .map(shard -> shard.outcomes().unpack(shard.to() - shard.from())).toList());
        double seconds = shards.stream().mapToDouble(ShardResult::seconds).sum();
        RobustnessReport report = RobustnessReport.of(outcomes, plan.options().evaluatorOptions(plan.attacks()),
                checkpoint.architecture(), checkpoint.dataset(), checkpoint.method(), space(checkpoint), seconds);
        String now = Instant.now().toString();
        return new Completed(attackResults(checkpoint, report, plan.samples(), now),
                RobustnessReportMessage.of(checkpoint.runId(), id, report, now));
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
