package org.deepdefense.messages;

import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * A poison record moved aside to {@code <sourceTopic>.dlq}, with where it came from and why it was
 * refused; keyed by the original key.
 *
 * @param key           the original record's key, or null
 * @param reason        why the record was refused, such as an {@link InvalidMessageException} message
 * @param payloadBase64 the original value, base64-encoded and cut to its first {@link #MAX_PAYLOAD_BYTES}
 */
public record DeadLetter(
        int schemaVersion,
        String sourceTopic,
        int partition,
        long offset,
        String key,
        String reason,
        String payloadBase64,
        String timestamp) implements Message {

    public static final int MAX_PAYLOAD_BYTES = 64 * 1024;
    /** The Kafka header, on each dead letter, naming the service that wrote it (its application name). */
    public static final String WRITER_HEADER = "deepdefense-writer";
    private static final int MAX_TEXT = 8192;
    private static final Pattern TOPIC = Pattern.compile("[A-Za-z0-9._-]{1,249}");

    public DeadLetter {
        Check.schemaVersion(schemaVersion);
        if (!TOPIC.matcher(Check.required("sourceTopic", sourceTopic)).matches()) {
            throw Check.fail("sourceTopic must be a Kafka topic name, got %s", Check.quote(sourceTopic));
        }
        Check.atLeast("partition", partition, 0);
        Check.atLeast("offset", offset, 0);
        if (key != null && key.length() > MAX_TEXT) {
            throw Check.fail("key must be at most %d characters, got %d", MAX_TEXT, key.length());
        }
        Check.text("reason", reason, MAX_TEXT);
        int payloadBytes;
        try {
            payloadBytes = Base64.getDecoder().decode(Check.required("payloadBase64", payloadBase64)).length;
        } catch (IllegalArgumentException e) {
            throw Check.fail("payloadBase64 is not base64: %s", e.getMessage());
        }
        if (payloadBytes > MAX_PAYLOAD_BYTES) {
            throw Check.fail("payloadBase64 holds %d bytes, more than %d", payloadBytes, MAX_PAYLOAD_BYTES);
        }
        Check.timestamp("timestamp", timestamp);
    }

    /**
     * The dead letter for a refused record: a null payload becomes empty, a long one is cut to
     * {@link #MAX_PAYLOAD_BYTES} and a long key or reason to {@value #MAX_TEXT} characters, so that any
     * refused record, however large, can be moved aside.
     */
    public static DeadLetter of(String sourceTopic, int partition, long offset, String key, String reason,
                                byte[] payload, Instant at) {
        byte[] kept = payload == null ? new byte[0] : Arrays.copyOf(payload, Math.min(payload.length, MAX_PAYLOAD_BYTES));
        return new DeadLetter(Messages.SCHEMA_VERSION, sourceTopic, partition, offset, cut(key), cut(reason),
                Base64.getEncoder().encodeToString(kept), at.toString());
    }

    private static String cut(String text) {
        if (text == null || text.length() <= MAX_TEXT) {
            return text;
        }
        // Never split a surrogate pair: half of one cannot be written as UTF-8.
        return text.substring(0, Character.isHighSurrogate(text.charAt(MAX_TEXT - 1)) ? MAX_TEXT - 1 : MAX_TEXT);
    }
}
