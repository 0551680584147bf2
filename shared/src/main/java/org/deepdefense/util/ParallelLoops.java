package org.deepdefense.util;

import java.util.function.IntConsumer;
import java.util.stream.IntStream;

/**
 * Index loops over the common fork-join pool for the float64 preprocessing maths (eigendecomposition, whitening).
 * Each index's body must write only its own outputs: then every value is computed in the same order whatever the
 * split, and results do not depend on the number of threads.
 */
public final class ParallelLoops {
    /** Below this many multiply-adds a loop runs on the calling thread: a fork costs more than it saves. */
    static final long MIN_PARALLEL_WORK = 1 << 16;

    private ParallelLoops() {}

    /** Runs body(i) for i in [from, to), in parallel when the loop's total work (multiply-adds) is large enough. */
    public static void forEach(int from, int to, long work, IntConsumer body) {
        IntStream indices = IntStream.range(from, to);
        (work >= MIN_PARALLEL_WORK ? indices.parallel() : indices).forEach(body);
    }
}
