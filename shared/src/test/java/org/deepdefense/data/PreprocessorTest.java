package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PreprocessorTest {
    // Three samples of shape 1x1x2: (0, 255), (30, 0), (60, 45).
    private static final Dataset TRAIN =
            new InMemoryDataset("train", new float[] {0, 255, 30, 0, 60, 45}, new int[] {0, 1, 0}, 1, 1, 2, 2);

    @Test
    void subtractsThePerPixelTrainingMean() {
        Preprocessor p = Preprocessor.meanSubtraction(TRAIN);
        assertArrayEquals(new float[] {30, 100}, p.mean());
        assertEquals("per-pixel-mean-subtraction", p.kind().id());
        assertEquals("raw 0-255 pixels minus per-pixel training mean; rho2 measured in this space", p.describe());

        assertArrayEquals(new float[] {30, -55, -30, 155}, p.apply(TRAIN, new int[] {2, 0}));
        assertArrayEquals(new float[] {0, -100, 30, -55}, p.apply(TRAIN, 1, 3));
        assertEquals(0, p.apply(TRAIN, 1, 1).length);
        assertThrows(IndexOutOfBoundsException.class, () -> p.apply(TRAIN, 2, 4));
        assertThrows(IndexOutOfBoundsException.class, () -> p.apply(TRAIN, new int[] {3}));
    }

    @Test
    void storedMeanGivesTheSameResult() {
        Preprocessor fitted = Preprocessor.meanSubtraction(TRAIN);
        float[] mean = fitted.mean();
        Preprocessor restored = Preprocessor.fromMean(mean, 1, 1, 2);
        mean[0] = 999; // neither preprocessor shares the caller's array
        assertArrayEquals(fitted.apply(TRAIN, 0, 3), restored.apply(TRAIN, 0, 3));
        assertArrayEquals(new float[] {30, 100}, restored.mean());
        assertEquals(2, restored.width());
    }

    @Test
    void rejectsMismatchedShapes() {
        assertThrows(IllegalArgumentException.class, () -> Preprocessor.fromMean(new float[3], 1, 1, 2));
        assertThrows(IllegalArgumentException.class,
                () -> Preprocessor.meanSubtraction(TRAIN.head(0)));
        Preprocessor p = Preprocessor.fromMean(new float[2], 1, 2, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.apply(TRAIN, 0, 1));
        assertEquals("train samples are 1x1x2 but the preprocessor was fitted to 1x2x1", e.getMessage());
    }
}
