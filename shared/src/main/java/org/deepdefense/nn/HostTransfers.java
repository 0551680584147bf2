package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Copies from the run's device to Java, counted. On a GPU each one waits for the device to finish its queue, so a
 * training step should need few; the bench prints how many a step takes.
 */
public final class HostTransfers {
    private static final AtomicLong COUNT = new AtomicLong();

    private HostTransfers() {}

    public static float[] floats(NDArray array) {
        COUNT.incrementAndGet();
        return array.toFloatArray();
    }

    public static float scalar(NDArray array) {
        COUNT.incrementAndGet();
        return array.getFloat();
    }

    /** Transfers so far in this JVM. */
    public static long count() {
        return COUNT.get();
    }
}
