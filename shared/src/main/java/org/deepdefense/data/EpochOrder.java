package org.deepdefense.data;

import java.util.SplittableRandom;

/** Seeded per-epoch sample order, so a training run can be repeated (or resumed at an epoch) exactly. */
public final class EpochOrder {

    private EpochOrder() {}

    /** A permutation of 0..n-1 that depends only on (n, seed, epoch) and differs from epoch to epoch. */
    public static int[] permutation(int n, long seed, int epoch) {
        // Hash the epoch before mixing it in, so that small seeds and epochs don't collide the way
        // seed + epoch would (seed 1 epoch 0 = seed 0 epoch 1).
        long epochHash = new SplittableRandom(epoch).nextLong();
        return shuffled(n, new SplittableRandom(seed ^ epochHash));
    }

    /** Fisher-Yates shuffle of 0..n-1. */
    static int[] shuffled(int n, SplittableRandom random) {
        if (n < 0) {
            throw new IllegalArgumentException("permutation size must be >= 0, got " + n);
        }
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int swap = order[i];
            order[i] = order[j];
            order[j] = swap;
        }
        return order;
    }
}
