package org.deepdefense.service;

import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.deepdefense.messages.Check;
import org.deepdefense.messages.DeadLetter;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

/**
 * Moves refused records aside as {@link DeadLetter}s on {@code <source topic>.dlq}, keyed by the refused record's
 * key, and counts them in {@code deepdefense_dead_letters_total{topic=<source topic>}}. A service using it
 * configures the outgoing channel {@code dead-letters}; each letter names its topic in its metadata, so the
 * channel's own topic is only a fallback.
 */
@ApplicationScoped
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    /** Long enough for a broker fail-over; a send that takes longer is treated as failed. */
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final MutinyEmitter<byte[]> emitter;
    private final MeterRegistry registry;
    private final String writer;

    DeadLetters(@Channel("dead-letters") MutinyEmitter<byte[]> emitter, MeterRegistry registry,
            @ConfigProperty(name = "quarkus.application.name") String writer) {
        this.emitter = emitter;
        this.registry = registry;
        this.writer = writer;
    }

    /** Dead-letters a record received from Kafka; see {@link #send(String, int, long, String, String, byte[])}. */
    public void send(Message<byte[]> record, String reason) {
        IncomingKafkaRecordMetadata<?, ?> source = record.getMetadata(IncomingKafkaRecordMetadata.class)
                .orElseThrow(() -> new IllegalStateException("not a Kafka record: " + reason));
        String key = source.getKey() == null ? null : source.getKey().toString();
        send(source.getTopic(), source.getPartition(), source.getOffset(), key, reason, record.getPayload());
    }

    /**
     * Blocks until the broker has the dead letter, so the caller may then acknowledge the record it refused; the
     * record's coordinates are enough, so a problem found after acknowledging it can still be reported.
     */
    public void send(String sourceTopic, int partition, long offset, String key, String reason, byte[] payload) {
        send(DeadLetter.of(sourceTopic, partition, offset, key, reason, payload, Instant.now()));
    }

    /**
     * Blocks until the broker has {@code letter}, on {@code <letter.sourceTopic>.dlq}; its header
     * {@link DeadLetter#WRITER_HEADER} names this service, so that a reader can tell which consumer of a topic
     * refused a record.
     */
    public void send(DeadLetter letter) {
        String topic = Topics.deadLetter(letter.sourceTopic());
        // The key is anyone's input: quoted and cut, so that a hostile one cannot flood or forge log lines.
        LOG.warnf("%s[%d]@%d (key %s) -> %s: %s", letter.sourceTopic(), letter.partition(), letter.offset(),
                Check.quote(letter.key()), topic, letter.reason());
        emitter.sendMessage(Message.of(Messages.toJson(letter)).addMetadata(
                OutgoingKafkaRecordMetadata.<String>builder().withKey(letter.key()).withTopic(topic)
                        .withHeaders(new RecordHeaders().add(DeadLetter.WRITER_HEADER,
                                writer.getBytes(StandardCharsets.UTF_8)))
                        .build()))
                .await().atMost(SEND_TIMEOUT);
        registry.counter("deepdefense.dead.letters", "topic", letter.sourceTopic()).increment();
    }
}
