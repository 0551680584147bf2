package org.deepdefense.trainer;

import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.TrainingProgress;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.jboss.logging.Logger;

/** Writes the service's records, keyed by run id; dead letters go through {@link DeadLetters}. */
@ApplicationScoped
class Publisher {
    private static final Logger LOG = Logger.getLogger(Publisher.class);
    /** How often a checkpoint send still waiting for the broker is logged (and the stop flag looked at). */
    private static final Duration REPORT_EVERY = Duration.ofSeconds(30);

    @Inject
    @Channel("training-progress")
    MutinyEmitter<byte[]> progress;

    @Inject
    @Channel("checkpoints")
    MutinyEmitter<byte[]> checkpoints;

    /** Progress is advisory and sent often: fire and forget, a lost record is replaced by the next one. */
    void progress(TrainingProgress record) {
        send(progress, record.runId(), record).subscribe().with(
                ok -> {}, failure -> LOG.warnf("progress of run %s not sent: %s", record.runId(), failure.toString()));
    }

    /**
     * Waits for the broker, through an outage of any length: consumers act on checkpoints, so the run must neither
     * go on nor report success without them. The record is sent once: the idempotent producer retries it until the
     * broker has it (delivery.timeout.ms in application.properties), so a long outage cannot publish it twice. Only
     * a send that fails outright (not a slow one) is made again. Gives up only when {@code stopping} turns true.
     *
     * @throws Abandoned when the service stops before the broker has the record
     */
    void checkpoint(CheckpointPublished record, BooleanSupplier stopping) {
        while (true) {
            CompletableFuture<Void> sent = send(checkpoints, record.runId(), record).subscribeAsCompletionStage();
            while (true) {
                try {
                    sent.get(REPORT_EVERY.toMillis(), TimeUnit.MILLISECONDS);
                    return;
                } catch (TimeoutException e) {
                    if (stopping.getAsBoolean()) {
                        throw new Abandoned(record.checkpointId(), e);
                    }
                    LOG.warnf("checkpoint %s: still waiting for the broker", record.checkpointId());
                } catch (ExecutionException e) {
                    if (stopping.getAsBoolean()) {
                        throw new Abandoned(record.checkpointId(), e.getCause());
                    }
                    LOG.warnf("checkpoint %s not sent (%s); sending it again", record.checkpointId(),
                            e.getCause().toString());
                    break;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Abandoned(record.checkpointId(), e);
                }
            }
        }
    }

    /** A checkpoint left unannounced because the service is stopping; its run resumes after the restart. */
    static final class Abandoned extends RuntimeException {
        Abandoned(String checkpointId, Throwable cause) {
            super("checkpoint " + checkpointId + " not announced: the service is stopping", cause);
        }
    }

    private static Uni<Void> send(MutinyEmitter<byte[]> emitter, String key, Message record) {
        return emitter.sendMessage(org.eclipse.microprofile.reactive.messaging.Message.of(Messages.toJson(record))
                .addMetadata(OutgoingKafkaRecordMetadata.<String>builder().withKey(key).build()));
    }
}
