package org.deepdefense.attack.service;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.concurrent.CompletionStage;
import org.deepdefense.messages.AttackShard;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Does the shards Kafka assigns to this replica and publishes one {@link ShardResult} per shard.
 *
 * <p>Shards run for minutes on one {@link RecordWorker} thread (one model at a time keeps memory bounded); a record is
 * acknowledged, and its offset committed, only after its result or dead letter is on the broker. A replica that dies
 * mid-shard has not committed it: the group's rebalance hands the partition, and the shard, to another replica (or to
 * this one after restart). The evaluator keeps the first result of each shard and ignores a repeat with the same
 * findings. A result the broker does not take is sent again ({@link Retries}), not dead-lettered.
 */
@ApplicationScoped
public class ShardConsumer {
    private static final Logger LOG = Logger.getLogger(ShardConsumer.class);

    private final AttackRunner runner;
    private final MutinyEmitter<byte[]> results;
    private final RecordWorker worker;
    private final Retries retries;

    ShardConsumer(AttackRunner runner, DeadLetters deadLetters, Retries retries,
            @Channel("shard-results") MutinyEmitter<byte[]> results) {
        this.runner = runner;
        this.worker = new RecordWorker("attack-worker", deadLetters, retries);
        this.results = results;
        this.retries = retries;
    }

    @Incoming("attack-shards")
    public CompletionStage<Void> consume(Message<byte[]> record) {
        return worker.submit(record, this::handle);
    }

    private void handle(byte[] payload) throws Exception {
        AttackShard shard = Messages.parseAttackShard(payload);
        // Loading fails before any attack runs, so trying the shard again costs no attack work.
        ShardResult result = retries.load("shard " + shard.key(), () -> runner.run(shard));
        retries.send("result of shard " + shard.key(), () -> results.sendMessageAndAwait(
                KafkaRecord.of(result.checkpointId(), Messages.toJson(result))));
        LOG.infof("checkpoint %s: shard %d/%d [%d, %d) of %s in %.1f s", shard.checkpointId(),
                shard.shard() + 1, shard.shards(), shard.from(), shard.to(), shard.attacks(), result.seconds());
    }

    @PreDestroy
    void stop() {
        worker.stop();
    }
}
