package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class DatasetTest {
    /** n samples of shape 1x1x2 whose pixels are (i, -i) and labels i % 3, so each sample can be told apart. */
    private static Dataset numbered(int n) {
        float[] images = new float[2 * n];
        for (int i = 0; i < n; i++) {
            images[2 * i] = i;
            images[2 * i + 1] = -i;
        }
        return new InMemoryDataset("numbered", images, IntStream.range(0, n).map(i -> i % 3).toArray(), 1, 1, 2, 3);
    }

    private static int[] sampleIds(Dataset d) {
        return IntStream.range(0, d.size()).map(i -> (int) d.pixels(0, d.size())[2 * i]).toArray();
    }

    @Test
    void validatesShapeAndLabels() {
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> new InMemoryDataset("d", new float[7], new int[2], 1, 2, 2, 10));
        assertEquals("d: 2 labels of 1x2x2 need 8 image values, got 7", length.getMessage());
        IllegalArgumentException label = assertThrows(IllegalArgumentException.class,
                () -> new InMemoryDataset("d", new float[8], new int[] {3, 10}, 1, 2, 2, 10));
        assertEquals("d: label 10 at index 1 is outside [0, 10)", label.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new InMemoryDataset("d", new float[8], new int[] {-1, 0}, 1, 2, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryDataset("d", new float[0], new int[0], 1, 0, 2, 10));
        assertThrows(IllegalArgumentException.class, () -> new InMemoryDataset("d", new float[0], new int[0], 1, 2, 2, 0));
    }

    @Test
    void sizeHeadAndSelect() {
        Dataset d = numbered(6);
        assertEquals(6, d.size());
        assertEquals(2, d.featureSize());

        Dataset head = d.head(4);
        assertArrayEquals(new int[] {0, 1, 2, 3}, sampleIds(head));
        assertArrayEquals(new int[] {0, 1, 2, 0}, head.labels());
        assertEquals(0, d.head(0).size());
        assertThrows(IllegalArgumentException.class, () -> d.head(7));

        Dataset selected = d.select(new int[] {5, 1, 5});
        assertArrayEquals(new float[] {5, -5, 1, -1, 5, -5}, selected.pixels(0, selected.size()));
        assertArrayEquals(new int[] {2, 1, 2}, selected.labels());
        assertEquals("numbered", selected.name());
        assertThrows(IndexOutOfBoundsException.class, () -> d.select(new int[] {6}));
    }

    @Test
    void holdoutIsTheSeededEndOfAPermutation() {
        Dataset d = numbered(50);
        Dataset[] split = d.splitHoldout(10, 42);
        assertEquals(40, split[0].size());
        assertEquals(10, split[1].size());

        int[] all = IntStream.concat(IntStream.of(sampleIds(split[0])), IntStream.of(sampleIds(split[1])))
                .sorted().toArray();
        assertArrayEquals(IntStream.range(0, 50).toArray(), all, "rest and holdout partition the samples");
        for (int i = 0; i < split[1].size(); i++) {
            assertEquals(sampleIds(split[1])[i] % 3, split[1].labels()[i], "labels travel with their images");
        }

        assertArrayEquals(split[1].pixels(0, split[1].size()), d.splitHoldout(10, 42)[1].pixels(0, 10), "same seed, same split");
        assertFalse(Arrays.equals(split[1].pixels(0, split[1].size()), d.splitHoldout(10, 43)[1].pixels(0, 10)), "seed matters");
        assertEquals(0, d.splitHoldout(0, 1)[1].size());
        assertEquals(50, d.splitHoldout(50, 1)[1].size());
        assertThrows(IllegalArgumentException.class, () -> d.splitHoldout(51, 1));
    }
}
