package org.deepdefense.evaluator;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Feeds final checkpoints and shard results to the {@link ReportAssembler} and publishes what it completes: the
 * merged result of each attack, then the report. Joining is cheap; the methods are {@code @Blocking} only because
 * sends wait for the broker. A record is acknowledged after it is saved in the {@link ShardState} and its report
 * or dead letter is on the broker; the report is marked published in the state only after it is sent, so a crash
 * in between means the report is sent again after restart, never lost.
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

    EvaluatorConsumer(ReportAssembler assembler, ShardState state, Reports reports, Sweeps sweeps,
            @ConfigProperty(name = "deepdefense.sweep.max-points") int maxSweepPoints, DeadLetters deadLetters,
            @Channel("attack-results") MutinyEmitter<byte[]> attackResults,
            @Channel("reports") MutinyEmitter<byte[]> published) {
        this.assembler = assembler;
        this.state = state;
        this.reports = reports;
        this.sweeps = sweeps;
        this.maxSweepPoints = maxSweepPoints;
        this.deadLetters = deadLetters;
        this.attackResults = attackResults;
        this.published = published;
    }

    @Incoming("checkpoints")
    @Blocking
    public CompletionStage<Void> checkpoint(Message<byte[]> record) {
        return join(record, json -> {
            CheckpointPublished checkpoint = Messages.parseCheckpointPublished(json);
            return checkpoint.finalCheckpoint() ? assembler.add(checkpoint) : Optional.empty();
        });
    }

    @Incoming("shard-results")
    @Blocking
    public CompletionStage<Void> shardResult(Message<byte[]> record) {
        return join(record, json -> assembler.add(Messages.parseShardResult(json)));
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
            return Optional.empty();
        });
    }

    private CompletionStage<Void> join(Message<byte[]> record,
            Function<byte[], Optional<ReportAssembler.Completed>> step) {
        Optional<ReportAssembler.Completed> report;
        try {
            report = step.apply(record.getPayload());
        } catch (InvalidMessageException | IllegalArgumentException e) {
            deadLetters.send(record, e.getMessage());
            return record.ack();
        }
        report.ifPresent(this::publish);
        return record.ack();
    }

    private void publish(ReportAssembler.Completed completed) {
        for (AttackResult result : completed.results()) {
            attackResults.sendMessageAndAwait(KafkaRecord.of(result.runId(), Messages.toJson(result)));
        }
        RobustnessReportMessage report = completed.report();
        published.sendMessageAndAwait(KafkaRecord.of(report.runId(), Messages.toJson(report)));
        state.saveReport(report);
        reports.add(report);
        sweeps.reported(report);
        LOG.infof("report for %s: rho2 %g, clean accuracy %g", report.checkpointId(), report.rho2(),
                report.cleanAccuracy());
    }
}
