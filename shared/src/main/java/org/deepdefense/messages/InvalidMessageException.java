package org.deepdefense.messages;

/**
 * A record that cannot be accepted: malformed JSON, a wrong schema version, an unknown field, a wrong
 * type or a value outside its documented range. The message is a human-readable reason that names the
 * field, fit for a log line or a dead-letter record.
 */
public class InvalidMessageException extends RuntimeException {

    public InvalidMessageException(String reason) {
        super(reason);
    }
}
