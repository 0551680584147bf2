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
import org.deepdefense.service.DeadLetters;
import org.deepdefense.messages.RobustnessReportMessage;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Feeds final checkpoints and attack results to the {@link ReportAssembler} and publishes each report it
 * completes. Joining is cheap; the methods are {@code @Blocking} only because sends wait for the broker.
 * A record is acknowledged after its report or dead letter is on the broker.
 */
@ApplicationScoped
public class EvaluatorConsumer {
    private static final Logger LOG = Logger.getLogger(EvaluatorConsumer.class);

    private final ReportAssembler assembler;
    private final Reports reports;
    private final DeadLetters deadLetters;
    private final MutinyEmitter<byte[]> published;

    EvaluatorConsumer(ReportAssembler assembler, Reports reports, DeadLetters deadLetters,
            @Channel("reports") MutinyEmitter<byte[]> published) {
        this.assembler = assembler;
        this.reports = reports;
        this.deadLetters = deadLetters;
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

    @Incoming("attack-results")
    @Blocking
    public CompletionStage<Void> attackResult(Message<byte[]> record) {
        return join(record, json -> assembler.add(Messages.parseAttackResult(json)));
    }

    private CompletionStage<Void> join(Message<byte[]> record,
            Function<byte[], Optional<RobustnessReportMessage>> step) {
        Optional<RobustnessReportMessage> report;
        try {
            report = step.apply(record.getPayload());
        } catch (InvalidMessageException | IllegalArgumentException e) {
            deadLetters.send(record, e.getMessage());
            return record.ack();
        }
        report.ifPresent(this::publish);
        return record.ack();
    }

    private void publish(RobustnessReportMessage report) {
        published.sendMessageAndAwait(KafkaRecord.of(report.runId(), Messages.toJson(report)));
        reports.add(report);
        LOG.infof("report for %s: rho2 %g, clean accuracy %g", report.checkpointId(), report.rho2(),
                report.cleanAccuracy());
    }
}
