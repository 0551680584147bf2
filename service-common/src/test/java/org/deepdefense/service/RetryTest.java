package org.deepdefense.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.errors.TimeoutException;
import org.deepdefense.checkpoint.ChecksumMismatchException;
import org.junit.jupiter.api.Test;

class RetryTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @Test
    void aTransientFailureIsTriedAgainUntilItPasses() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        String sent = Retry.call("send", MINUTE, Retry.BROKER, true, () -> {
            if (attempts.incrementAndGet() < 3) {
                throw new IllegalStateException("wrapped", new TimeoutException("Expiring 1 record(s): 120000 ms"));
            }
            return "sent";
        });
        assertEquals("sent", sent);
        assertEquals(3, attempts.get());
    }

    @Test
    void poisonIsThrownAtOnce() {
        AtomicInteger attempts = new AtomicInteger();
        IllegalArgumentException poison = new IllegalArgumentException("record too large");
        assertSame(poison, assertThrows(IllegalArgumentException.class, () -> Retry.call("send", MINUTE,
                Retry.BROKER, true, () -> {
                    attempts.incrementAndGet();
                    throw poison;
                })));
        assertEquals(1, attempts.get());
    }

    @Test
    void aFailureThatOutlastsTheBudgetGivesUpOrIsThrown() {
        AtomicInteger attempts = new AtomicInteger();
        Retry.GaveUp gaveUp = assertThrows(Retry.GaveUp.class, () -> Retry.call("send", Duration.ofSeconds(2),
                Retry.BROKER, true, () -> {
                    attempts.incrementAndGet();
                    throw new TimeoutException("broker away");
                }));
        // Tried at 0 s and after 1 s; the next pause (2 s) would end past the budget.
        assertEquals(2, attempts.get());
        assertTrue(gaveUp.getMessage().startsWith("send still failing after 2 attempts in PT2S"), gaveUp.getMessage());

        IOException storage = new IOException("Input/output error");
        assertSame(storage, assertThrows(IOException.class, () -> Retry.call("load", Duration.ofMillis(500),
                failure -> failure instanceof IOException, false, () -> {
                    throw storage;
                })));
    }

    @Test
    void aStorageErrorIsTransientButTheFileSystemsDefiniteAnswersAreNot() {
        assertTrue(Retry.STORAGE.test(new IOException("Input/output error")));
        assertFalse(Retry.STORAGE.test(new NoSuchFileException("params.npz")));
        assertFalse(Retry.STORAGE.test(new ChecksumMismatchException("run/final", "a", "b")));
        assertFalse(Retry.STORAGE.test(new IllegalStateException("not I/O")));
    }
}
