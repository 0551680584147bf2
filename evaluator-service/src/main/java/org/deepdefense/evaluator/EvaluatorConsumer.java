package org.deepdefense.evaluator;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Feeds final checkpoints, shard plans and shard results to the {@link ReportAssembler} and publishes what it
 * completes: the merged result of each attack, then the report; or, for a checkpoint past its deadline, the dead
 * letter that says why it has none. The methods are {@code @Blocking} only because sends wait for the broker. A
 * record is acknowledged after it is saved in the {@link ShardState} and its report or dead letter is on the
 * broker; the report is marked published in the state only after it is sent, so a crash in between means the
 * report is sent again after restart, never lost.
 */
@ApplicationScoped
public class EvaluatorConsumer {
    private static final Logger LOG = Logger.getLogger(EvaluatorConsumer.class);

    private final ReportAssembler assembler;
    private final ShardState state;
    private final Reports reports;
    private final Sweeps sweeps;
    private final int maxSweepPoints;
    private final DeadLetters deadLetters;
    private final MutinyEmitter<byte[]> attackResults;
    private final MutinyEmitter<byte[]> published;
    private final Counter failures;
    private final ScheduledExecutorService clock;

    EvaluatorConsumer(ReportAssembler assembler, ShardState state, Reports reports, Sweeps sweeps,
            @ConfigProperty(name = "deepdefense.sweep.max-points") int maxSweepPoints, DeadLetters deadLetters,
            @Channel("attack-results") MutinyEmitter<byte[]> attackResults,
            @Channel("reports") MutinyEmitter<byte[]> published, MeterRegistry registry,
            @ConfigProperty(name = "deepdefense.evaluator.check-interval") Duration checkInterval) {
        this.assembler = assembler;
        this.state = state;
        this.reports = reports;
        this.sweeps = sweeps;
        this.maxSweepPoints = maxSweepPoints;
        this.deadLetters = deadLetters;
        this.attackResults = attackResults;
        this.published = published;
        this.failures = Counter.builder("deepdefense.evaluation.failures")
                .description("Checkpoints given up: not reported within the deadline, or plan and checkpoint disagree")
                .register(registry);
        registry.gauge("deepdefense.evaluator.open.checkpoints", assembler, ReportAssembler::openCheckpoints);
        this.clock = Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "evaluator-deadlines"));
        clock.scheduleWithFixedDelay(this::tick, checkInterval.toMillis(), checkInterval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    @Incoming("checkpoints")
    @Blocking
    public CompletionStage<Void> checkpoint(Message<byte[]> record) {
        return join(record, json -> {
            CheckpointPublished checkpoint = Messages.parseCheckpointPublished(json);
            return checkpoint.finalCheckpoint() ? assembler.add(checkpoint, origin(record))
                    : new ReportAssembler.Pending();
        });
    }

    /** The shard-results topic carries each checkpoint's plan ahead of its results, in the same partition. */
    @Incoming("shard-results")
    @Blocking
    public CompletionStage<Void> shardResult(Message<byte[]> record) {
        return join(record, json -> {
            org.deepdefense.messages.Message output = Messages.parseShardOutput(json);
            return output instanceof ShardPlan plan ? assembler.add(plan, origin(record))
                    : assembler.add((ShardResult) output);
        });
    }

    /** A sweep groups the reports of its points (GET /sweeps/{id}); kept before it is acknowledged. */
    @Incoming("sweep-requests")
    @Blocking
    public CompletionStage<Void> sweep(Message<byte[]> record) {
        return join(record, json -> {
            SweepRequest sweep = Messages.parseSweepRequest(json);
            if (sweep.pointCount() > maxSweepPoints) {
                throw new IllegalArgumentException("sweep " + sweep.sweepId() + " has " + sweep.pointCountExplained()
                        + ", more than this evaluator's limit of " + maxSweepPoints + " (deepdefense.sweep.max-points)");
            }
            sweeps.add(sweep);
            return new ReportAssembler.Pending();
        });
    }

    private CompletionStage<Void> join(Message<byte[]> record, Function<byte[], ReportAssembler.Outcome> step) {
        ReportAssembler.Outcome outcome;
        try {
            outcome = step.apply(record.getPayload());
        } catch (InvalidMessageException | IllegalArgumentException e) {
            deadLetters.send(record, e.getMessage());
            return record.ack();
        }
        settle(outcome);
        return record.ack();
    }

    private void settle(ReportAssembler.Outcome outcome) {
        if (outcome instanceof ReportAssembler.Completed completed) {
            publish(completed);
        } else if (outcome instanceof ReportAssembler.Failed failed) {
            fail(failed);
        }
    }

    private void publish(ReportAssembler.Completed completed) {
        for (AttackResult result : completed.results()) {
            attackResults.sendMessageAndAwait(KafkaRecord.of(result.runId(), Messages.toJson(result)));
        }
        RobustnessReportMessage report = completed.report();
        published.sendMessageAndAwait(KafkaRecord.of(report.runId(), Messages.toJson(report)));
        state.saveReport(report);
        reports.add(report);
        assembler.reported(report.checkpointId());
        sweeps.reported(report);
        LOG.infof("report for %s: rho2 %g, clean accuracy %g", report.checkpointId(), report.rho2(),
                report.cleanAccuracy());
    }

    private void fail(ReportAssembler.Failed failed) {
        deadLetters.send(failed.letter());
        assembler.failed(failed);
        failures.increment();
    }

    /** Fails the checkpoints past their deadline and retires old gauges; a failure here waits for the next tick. */
    private void tick() {
        try {
            assembler.expired(Instant.now()).forEach(this::fail);
            reports.retireGauges(Instant.now());
        } catch (RuntimeException e) {
            LOG.warnf("deadline check failed, trying again at the next: %s", e.toString());
        }
    }

    private static ShardState.Origin origin(Message<byte[]> record) {
        IncomingKafkaRecordMetadata<?, ?> source = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record"));
        return new ShardState.Origin(source.getTopic(), source.getPartition(), source.getOffset(), Instant.now());
    }

    @PreDestroy
    void stop() {
        clock.shutdownNow();
    }
}
