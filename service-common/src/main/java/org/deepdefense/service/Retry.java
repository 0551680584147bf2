package org.deepdefense.service;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.deepdefense.checkpoint.ChecksumMismatchException;
import org.deepdefense.data.DatasetNotFoundException;
import org.jboss.logging.Logger;

/**
 * Calls an operation again, with exponential backoff (1 s, 2 s, 4 s … at most 30 s apart), while it fails for a
 * reason that may pass (the broker away, a storage hiccup) and the budget lasts. Poison is not retried: a failure
 * the predicate does not call transient is thrown at once.
 */
public final class Retry {
    private static final Logger LOG = Logger.getLogger(Retry.class);
    private static final Duration FIRST = Duration.ofSeconds(1);
    private static final Duration LONGEST = Duration.ofSeconds(30);

    /** Kafka's own word for a failure that may pass, or a send that timed out (Kafka's, Mutiny's or Java's). */
    public static final Predicate<Throwable> BROKER = failure -> causes(failure, cause ->
            cause instanceof org.apache.kafka.common.errors.RetriableException
                    || cause instanceof org.apache.kafka.common.errors.InterruptException
                    || cause instanceof io.smallrye.mutiny.TimeoutException
                    || cause instanceof java.util.concurrent.TimeoutException);

    /**
     * An I/O failure of the store or the data that may pass (a storage hiccup), not one of the file system's definite
     * answers: no such file, a wrong checksum, a dataset that is not there.
     */
    public static final Predicate<Throwable> STORAGE = failure -> failure instanceof IOException
            && !(failure instanceof NoSuchFileException) && !(failure instanceof ChecksumMismatchException)
            && !(failure instanceof DatasetNotFoundException);

    /** A failure that outlasted its budget: the caller must not acknowledge the record, so it comes again. */
    public static final class GaveUp extends RuntimeException {
        GaveUp(String what, int attempts, Duration budget, Throwable last) {
            super(what + " still failing after " + attempts + " attempts in " + budget + ": " + last, last);
        }
    }

    private Retry() {
    }

    /**
     * @return what {@code operation} returned on its first success
     * @throws GaveUp    if it still fails transiently when the budget is spent and {@code giveUp} is true, or the
     *                   thread is interrupted while waiting to try again
     * @throws Exception its last failure: a poison one, or a transient one once the budget is spent
     */
    public static <T> T call(String what, Duration budget, Predicate<Throwable> isTransient, boolean giveUp,
            Callable<T> operation) throws Exception {
        long deadline = System.nanoTime() + budget.toNanos();
        Duration pause = FIRST;
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.call();
            } catch (Exception e) {
                if (!isTransient.test(e)) {
                    throw e;
                }
                if (System.nanoTime() + pause.toNanos() > deadline) {
                    if (giveUp) {
                        throw new GaveUp(what, attempt, budget, e);
                    }
                    throw e;
                }
                LOG.warnf("%s failed (attempt %d), again in %d s: %s", what, attempt, pause.toSeconds(), e.toString());
                try {
                    Thread.sleep(pause.toMillis());
                } catch (InterruptedException stopping) {
                    // The service is stopping: the operation is not done, so its record must not be acknowledged.
                    Thread.currentThread().interrupt();
                    throw new GaveUp(what, attempt, budget, e);
                }
                pause = pause.multipliedBy(2).compareTo(LONGEST) > 0 ? LONGEST : pause.multipliedBy(2);
            }
        }
    }

    private static boolean causes(Throwable failure, Predicate<Throwable> test) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (test.test(cause)) {
                return true;
            }
        }
        return false;
    }
}
