package org.deepdefense.attack.service;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes published checkpoints and publishes one {@link AttackResult} per requested attack.
 *
 * <p>Attacks run for minutes, so each record is handed to a single worker thread (one model at a time keeps
 * memory bounded) and the returned stage completes, acknowledging the record, only after its results or its
 * dead letter are on the broker. SmallRye delivers the next record when the stage completes, while the Kafka
 * client keeps polling with the partition paused; the {@code throttled} commit strategy's unhealthy-after age is
 * raised in application.properties to cover a long attack. A crash mid-run means redelivery after restart.
 */
@ApplicationScoped
public class CheckpointConsumer {
    private static final Logger LOG = Logger.getLogger(CheckpointConsumer.class);

    private final AttackRunner runner;
    private final DeadLetters deadLetters;
    private final MutinyEmitter<byte[]> results;
    private final boolean finalOnly;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "attack-worker"));
    /** "checkpointId/attack" already published by this process: a redelivered record does not redo them. */
    private final Set<String> published = ConcurrentHashMap.newKeySet();

    CheckpointConsumer(AttackRunner runner, DeadLetters deadLetters,
            @Channel("attack-results") MutinyEmitter<byte[]> results,
            @ConfigProperty(name = "deepdefense.attack.final-only", defaultValue = "true") boolean finalOnly) {
        this.runner = runner;
        this.deadLetters = deadLetters;
        this.results = results;
        this.finalOnly = finalOnly;
    }

    @Incoming("checkpoints")
    public CompletionStage<Void> consume(Message<byte[]> record) {
        return CompletableFuture.runAsync(() -> handle(record), worker)
                .handle((ignored, failure) -> failure == null ? record.ack() : record.nack(failure))
                .thenCompose(stage -> stage);
    }

    private void handle(Message<byte[]> record) {
        try {
            CheckpointPublished checkpoint = Messages.parseCheckpointPublished(record.getPayload());
            if (finalOnly && !checkpoint.finalCheckpoint()) {
                LOG.debugf("skipping non-final checkpoint %s", checkpoint.checkpointId());
                return;
            }
            List<String> todo = checkpoint.attacks().stream()
                    .filter(attack -> !published.contains(done(checkpoint.checkpointId(), attack))).toList();
            if (todo.isEmpty()) {
                LOG.infof("checkpoint %s: all attacks already published", checkpoint.checkpointId());
                return;
            }
            LOG.infof("checkpoint %s (%s): running %s", checkpoint.checkpointId(), checkpoint.storeKey(), todo);
            runner.run(checkpoint, todo, this::publish);
        } catch (Exception e) {
            // Whatever stops this record (bad JSON, bad key, checksum mismatch, missing data) would stop it again
            // on redelivery: set it aside and move on.
            deadLetters.send(record, e.getMessage() != null ? e.getMessage() : e.toString());
        }
    }

    private void publish(AttackResult result) {
        results.sendMessageAndAwait(KafkaRecord.of(result.runId(), Messages.toJson(result)));
        published.add(done(result.checkpointId(), result.attack()));
        LOG.infof("checkpoint %s: %s %s", result.checkpointId(), result.attack(), result.values());
    }

    private static String done(String checkpointId, String attack) {
        return checkpointId + "/" + attack;
    }

    @PreDestroy
    void stop() {
        worker.shutdownNow();
    }
}
