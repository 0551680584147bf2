package org.deepdefense.trainer;

/** A well-formed request the trainer cannot run as asked; its message is the dead-letter reason. */
class RejectedRequestException extends Exception {

    RejectedRequestException(String reason) {
        super(reason);
    }

    RejectedRequestException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
