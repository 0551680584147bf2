package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class EpochOrderTest {
    @Test
    void isAPermutation() {
        int[] order = EpochOrder.permutation(1000, 7, 3);
        assertArrayEquals(IntStream.range(0, 1000).toArray(), Arrays.stream(order).sorted().toArray());
        assertEquals(0, EpochOrder.permutation(0, 7, 0).length);
        assertArrayEquals(new int[] {0}, EpochOrder.permutation(1, 7, 0));
        assertThrows(IllegalArgumentException.class, () -> EpochOrder.permutation(-1, 7, 0));
    }

    @Test
    void dependsOnlyOnSizeSeedAndEpoch() {
        assertArrayEquals(EpochOrder.permutation(1000, 7, 3), EpochOrder.permutation(1000, 7, 3));
        assertFalse(Arrays.equals(EpochOrder.permutation(1000, 7, 3), EpochOrder.permutation(1000, 7, 4)));
        assertFalse(Arrays.equals(EpochOrder.permutation(1000, 7, 3), EpochOrder.permutation(1000, 8, 3)));
        // Neighbouring seeds and epochs must not line up, as they would with seed + epoch.
        assertFalse(Arrays.equals(EpochOrder.permutation(1000, 1, 0), EpochOrder.permutation(1000, 0, 1)));
    }
}
