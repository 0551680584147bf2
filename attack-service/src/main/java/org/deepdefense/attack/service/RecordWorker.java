package org.deepdefense.attack.service;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.deepdefense.service.DeadLetters;
import org.deepdefense.service.Retry;
import org.eclipse.microprofile.reactive.messaging.Message;

/**
 * One thread that handles a channel's records one at a time, off the Kafka event loop. Attack work runs for
 * minutes: the stage {@link #submit} returns completes, acknowledging the record, only once the handler is done
 * (its output on the broker) or the record is a dead letter. SmallRye delivers the next record when the stage
 * completes, while the Kafka client keeps polling with the partition paused; the {@code throttled} commit
 * strategy then commits the offset, so a crash mid-record means redelivery. A send the broker does not take within
 * {@link Retries}' budget fails the stage instead: the record is not acknowledged.
 */
final class RecordWorker {
    /** Handles one record's payload; whatever it throws would be thrown again on redelivery. */
    @FunctionalInterface
    interface Handler {
        void handle(byte[] payload) throws Exception;
    }

    private final ExecutorService executor;
    private final DeadLetters deadLetters;
    private final Retries retries;

    RecordWorker(String threadName, DeadLetters deadLetters, Retries retries) {
        this.executor = Executors.newSingleThreadExecutor(r -> new Thread(r, threadName));
        this.deadLetters = deadLetters;
        this.retries = retries;
    }

    CompletionStage<Void> submit(Message<byte[]> record, Handler handler) {
        return CompletableFuture.runAsync(() -> run(record, handler), executor)
                .handle((ignored, failure) -> failure == null ? record.ack() : record.nack(failure))
                .thenCompose(stage -> stage);
    }

    private void run(Message<byte[]> record, Handler handler) {
        String reason;
        try {
            handler.handle(record.getPayload());
            return;
        } catch (Retry.GaveUp e) {
            throw e; // the broker is still away: the record is not acknowledged, so it comes again
        } catch (Exception | OutOfMemoryError | StackOverflowError e) {
            // Bad JSON, a bad key, a checksum mismatch, missing data, storage that kept failing, or a record that
            // exhausted the heap: set it aside and move on. Redelivering the last kind would crash the replica
            // again and again.
            reason = e instanceof Error ? e.toString() : e.getMessage() != null ? e.getMessage() : e.toString();
        }
        retries.send("dead letter", () -> deadLetters.send(record, reason));
    }

    void stop() {
        executor.shutdownNow();
    }
}
