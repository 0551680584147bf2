package org.deepdefense.attack.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.deepdefense.service.Retry;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The attack service's two kinds of transient failure. A send the broker does not take (an outage) is retried for
 * {@code deepdefense.attack.send-retry-for}, then the record is left unacknowledged ({@link Retry.GaveUp}); a
 * storage error (an I/O failure reading the checkpoint or the data, other than a missing file or a wrong checksum,
 * which are definite) is retried for
 * {@code deepdefense.attack.storage-retry-for}, then the record is dead-lettered, as a corrupt file fails the same
 * way every time. Neither is dead-lettered on its first failure.
 */
@ApplicationScoped
class Retries {
    /** Does one thing that may fail; sends and loads throw what they throw. */
    @FunctionalInterface
    interface Step {
        void run() throws Exception;
    }

    private final Duration sendFor;
    private final Duration storageFor;

    Retries(@ConfigProperty(name = "deepdefense.attack.send-retry-for") Duration sendFor,
            @ConfigProperty(name = "deepdefense.attack.storage-retry-for") Duration storageFor) {
        this.sendFor = sendFor;
        this.storageFor = storageFor;
    }

    /** Runs a send until the broker takes it; unacknowledged ({@link Retry.GaveUp}) after the budget. */
    void send(String what, Step send) {
        try {
            Retry.call(what, sendFor, Retry.BROKER, true, () -> {
                send.run();
                return null;
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(what + ": " + e.getMessage(), e);
        }
    }

    /** Calls a load that reads the store or the data, again after an I/O failure while the budget lasts. */
    <T> T load(String what, Callable<T> load) throws Exception {
        return Retry.call(what, storageFor, Retry.STORAGE, false, load);
    }
}
