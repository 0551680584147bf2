package org.deepdefense.trainer;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Takes training requests off Kafka: a request is either journalled and queued for the worker, recognised as a
 * duplicate, or moved to the dead-letter topic, and only then acknowledged. The record is acknowledged long
 * before its run ends, so a long run never holds an offset back (see docs/TRAINER.md).
 */
@ApplicationScoped
class RequestConsumer {
    private static final Logger LOG = Logger.getLogger(RequestConsumer.class);

    @Inject
    TrainingWorker worker;

    @Inject
    DeadLetters deadLetters;

    @Inject
    TrainingMetrics metrics;

    @Inject
    RunnableCheck runnable;

    /**
     * Acknowledged when this returns; an exception (the journal cannot be written, the dead-letter topic cannot
     * be reached) fails the channel instead, so the record is redelivered after a restart rather than lost.
     */
    @Incoming("training-requests")
    @Blocking
    public void consume(ConsumerRecord<String, byte[]> record) throws IOException {
        byte[] payload = record.value();
        String reason;
        try {
            TrainingRequest request = Messages.parseTrainingRequest(payload);
            runnable.check(request);
            Accepted accepted = new Accepted(request, record.topic(), record.partition(), record.offset(),
                    record.key(), payload);
            TrainingWorker.Outcome outcome = worker.submit(accepted);
            if (outcome == TrainingWorker.Outcome.QUEUED) {
                metrics.request("queued");
                LOG.infof("run %s: queued", request.runId());
                return;
            }
            if (outcome == TrainingWorker.Outcome.DUPLICATE) {
                metrics.request("duplicate");
                LOG.infof("run %s: already queued, running or finished; ignoring the repeated request",
                        request.runId());
                return;
            }
            reason = "the trainer's queue is full; send the request again later";
        } catch (InvalidMessageException e) {
            reason = "invalid training request: " + e.getMessage();
        } catch (RejectedRequestException e) {
            reason = e.getMessage();
        }
        metrics.request("rejected");
        deadLetters.send(record.topic(), record.partition(), record.offset(), record.key(), reason, payload);
    }
}
