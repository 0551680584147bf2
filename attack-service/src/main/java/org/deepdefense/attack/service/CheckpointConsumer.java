package org.deepdefense.attack.service;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.deepdefense.messages.AttackShard;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.Topics;
import org.deepdefense.service.DeadLetters;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Consumes published checkpoints and splits each final one into {@link AttackShard}s on the partitioned shard topic,
 * where every replica of this service (one consumer group) takes its share ({@link ShardConsumer}).
 *
 * <p>Before the shards, the {@link ShardPlan} goes to the shard-results topic, keyed by checkpointId like the results,
 * so the evaluator knows which results to expect before the first arrives. The record is acknowledged, and its
 * offset committed, only once the plan and all its shards are on the broker: a crash mid-way
 * means the checkpoint is split again after restart; the repeated shards cost time but not correctness, as the
 * evaluator keeps one result per shard. Shard {@code i} (counted over all attacks) goes to partition {@code i mod P},
 * so the shards of one checkpoint spread evenly over the replicas that own the partitions.
 */
@ApplicationScoped
public class CheckpointConsumer {
    private static final Logger LOG = Logger.getLogger(CheckpointConsumer.class);

    private final AttackRunner runner;
    private final MutinyEmitter<byte[]> shards;
    private final MutinyEmitter<byte[]> plans;
    private final Retries retries;
    private final boolean finalOnly;
    private final int partitions;
    private final RecordWorker worker;
    /** Checkpoints this process has split: a replayed record is not split (and attacked) again. */
    private final Set<String> split = ConcurrentHashMap.newKeySet();

    CheckpointConsumer(AttackRunner runner, DeadLetters deadLetters, Retries retries,
            @Channel("attack-shards-out") MutinyEmitter<byte[]> shards,
            @Channel("shard-plans") MutinyEmitter<byte[]> plans,
            @ConfigProperty(name = "deepdefense.attack.final-only", defaultValue = "true") boolean finalOnly,
            @ConfigProperty(name = "deepdefense.attack.shard-partitions",
                    defaultValue = "" + Topics.ATTACK_SHARD_PARTITIONS) int partitions) {
        this.runner = runner;
        this.worker = new RecordWorker("attack-splitter", deadLetters, retries);
        this.retries = retries;
        this.shards = shards;
        this.plans = plans;
        this.finalOnly = finalOnly;
        this.partitions = partitions;
    }

    @Incoming("checkpoints")
    public CompletionStage<Void> consume(Message<byte[]> record) {
        return worker.submit(record, this::handle);
    }

    private void handle(byte[] payload) throws Exception {
        CheckpointPublished checkpoint = Messages.parseCheckpointPublished(payload);
        if (finalOnly && !checkpoint.finalCheckpoint()) {
            LOG.debugf("skipping non-final checkpoint %s", checkpoint.checkpointId());
            return;
        }
        if (split.contains(checkpoint.checkpointId())) {
            LOG.infof("checkpoint %s: already split", checkpoint.checkpointId());
            return;
        }
        List<AttackShard> work = retries.load("checkpoint " + checkpoint.checkpointId(),
                () -> runner.split(checkpoint));
        // The plan first, keyed like the results: it precedes all of them in their partition.
        ShardPlan plan = ShardPlan.of(work, Instant.now().toString());
        retries.send("shard plan of " + checkpoint.checkpointId(), () -> plans.sendMessageAndAwait(
                KafkaRecord.of(plan.checkpointId(), Messages.toJson(plan))));
        for (int i = 0; i < work.size(); i++) {
            AttackShard shard = work.get(i);
            int partition = i % partitions;
            retries.send("shard " + shard.key(), () -> shards.sendMessageAndAwait(
                    Message.of(Messages.toJson(shard)).addMetadata(OutgoingKafkaRecordMetadata.<String>builder()
                            .withKey(shard.key()).withPartition(partition).build())));
        }
        split.add(checkpoint.checkpointId());
        LOG.infof("checkpoint %s (%s): %d shards of %s", checkpoint.checkpointId(), checkpoint.storeKey(),
                work.size(), checkpoint.attacks());
    }

    @PreDestroy
    void stop() {
        worker.stop();
    }
}
