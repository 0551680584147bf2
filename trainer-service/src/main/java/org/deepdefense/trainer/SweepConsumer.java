package org.deepdefense.trainer;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.messages.TrainingRequest;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

/**
 * Takes sweeps off Kafka and publishes their training requests on the requests topic, keyed by run id, where the
 * trainer replicas share them through their consumer group like any other request. A sweep is refused as a whole
 * (dead-lettered, nothing published) when it has more points than {@code deepdefense.sweep.max-points} or any point
 * could not run here; a sweep already expanded ({@link SweepLedger}) is acknowledged and publishes nothing.
 */
@ApplicationScoped
class SweepConsumer {
    private static final Logger LOG = Logger.getLogger(SweepConsumer.class);

    @Inject
    TrainingWorker worker;

    @Inject
    RunnableCheck runnable;

    @Inject
    DeadLetters deadLetters;

    @Inject
    TrainingMetrics metrics;

    @Inject
    @Channel("expanded-requests")
    MutinyEmitter<byte[]> requests;

    @ConfigProperty(name = "deepdefense.sweep.max-points")
    int maxPoints;

    /** Shared by the replicas: defaults to <store root>/.trainer-sweeps. */
    @ConfigProperty(name = "deepdefense.trainer.sweep-ledger-dir")
    Optional<Path> ledgerDir;

    private SweepLedger ledger;

    /** Acknowledged when this returns; an exception fails the channel and the sweep comes again after a restart. */
    @Incoming("sweep-requests")
    @Blocking
    public void consume(ConsumerRecord<String, byte[]> record) throws IOException {
        byte[] payload = record.value();
        String reason;
        try {
            SweepRequest sweep = Messages.parseSweepRequest(payload);
            Optional<SweepLedger.Entry> expanded = ledger().find(sweep.sweepId());
            if (expanded.isPresent() && expanded.get().sha256().equals(SweepLedger.sha256(sweep))) {
                metrics.sweep("duplicate");
                LOG.infof("sweep %s: already expanded; ignoring the repeated sweep", sweep.sweepId());
                return;
            }
            reason = expanded.isPresent()
                    ? "sweep " + sweep.sweepId() + " was already expanded from a different sweep request; use a new"
                            + " sweepId"
                    : refusal(sweep);
            if (reason == null) {
                List<TrainingRequest> points = sweep.expand();
                for (TrainingRequest point : points) {
                    requests.sendMessageAndAwait(KafkaRecord.of(point.runId(), Messages.toJson(point)));
                }
                ledger().record(sweep, points);
                metrics.sweep("expanded");
                LOG.infof("sweep %s: %d training requests published", sweep.sweepId(), points.size());
                return;
            }
        } catch (InvalidMessageException e) {
            reason = "invalid sweep request: " + e.getMessage();
        }
        metrics.sweep("rejected");
        deadLetters.send(record.topic(), record.partition(), record.offset(), record.key(), reason, payload);
    }

    /**
     * Opened on the first sweep, not at start-up: a bean created before the messaging channels are wired could not
     * have its emitter injected. Records come one at a time (an ordered, blocking method), so no lock is needed.
     */
    private SweepLedger ledger() throws IOException {
        if (ledger == null) {
            ledger = new SweepLedger(ledgerDir.orElse(worker.store().root().resolve(".trainer-sweeps")));
        }
        return ledger;
    }

    /** Why this trainer cannot expand the sweep, or null when it can. */
    private String refusal(SweepRequest sweep) {
        if (sweep.pointCount() > maxPoints) {
            return "sweep " + sweep.sweepId() + " has " + sweep.pointCountExplained() + ", more than this trainer's"
                    + " limit of " + maxPoints + " (deepdefense.sweep.max-points)";
        }
        for (TrainingRequest point : sweep.expand()) {
            try {
                runnable.check(point);
            } catch (RejectedRequestException e) {
                return "sweep " + sweep.sweepId() + ", point " + point.runId() + ": " + e.getMessage();
            }
        }
        return null;
    }
}
