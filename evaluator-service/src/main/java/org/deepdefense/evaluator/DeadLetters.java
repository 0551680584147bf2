package org.deepdefense.evaluator;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Moves refused records aside as {@link DeadLetter}s on {@code <source topic>.dlq} and counts them in
 * {@code deepdefense_dead_letters_total{topic=<source topic>}}. Same as attack-service's: both wait for a shared
 * Quarkus-side module (shared/ is plain Java).
 */
@ApplicationScoped
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry registry;

    DeadLetters(@Channel("dead-letters") MutinyEmitter<byte[]> emitter, MeterRegistry registry) {
        this.emitter = emitter;
        this.registry = registry;
    }

    /** Blocks until the broker has the dead letter, so the caller may then acknowledge the record. */
    public void send(Message<byte[]> record, String reason) {
        IncomingKafkaRecordMetadata<?, ?> source = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record: " + reason));
        String key = source.getKey() == null ? null : source.getKey().toString();
        String topic = Topics.deadLetter(source.getTopic());
        LOG.warnf("%s[%d]@%d (key %s) -> %s: %s", source.getTopic(), source.getPartition(), source.getOffset(), key,
                topic, reason);
        DeadLetter letter = DeadLetter.of(source.getTopic(), source.getPartition(), source.getOffset(), key, reason,
                record.getPayload(), Instant.now());
        emitter.sendMessageAndAwait(Message.of(Messages.toJson(letter)).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(key).withTopic(topic).build()));
        registry.counter("deepdefense.dead.letters", "topic", source.getTopic()).increment();
    }
}
