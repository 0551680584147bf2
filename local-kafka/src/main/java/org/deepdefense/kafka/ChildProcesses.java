package org.deepdefense.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Stopping the child JVMs of local runs (the broker here, the services in local-pipeline). */
public final class ChildProcesses {
    private ChildProcesses() {
    }

    /**
     * Asks {@code process} to stop (SIGTERM, so that its shutdown hooks run), kills it if it has not stopped
     * within {@code grace}, and returns once it is gone. Asking twice is harmless, so a caller may first ask
     * several processes and then stop each, to have them shut down in parallel.
     */
    public static void stop(Process process, Duration grace) {
        process.destroy();
        try {
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
