package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class GeneratedDatasetTest {
    @Test
    void sameArgumentsGiveIdenticalData() {
        Dataset a = GeneratedDataset.create(100, 3, 8, 8, 10, 5);
        Dataset b = GeneratedDataset.create(100, 3, 8, 8, 10, 5);
        assertArrayEquals(a.pixels(0, a.size()), b.pixels(0, b.size()));
        assertArrayEquals(a.labels(), b.labels());
        assertFalse(Arrays.equals(a.pixels(0, a.size()), GeneratedDataset.create(100, 3, 8, 8, 10, 6).images()));
        assertEquals("generated", a.name());
        assertEquals(3 * 8 * 8, a.featureSize());
    }

    @Test
    void rawPixelRangeAndBalancedLabels() {
        Dataset d = GeneratedDataset.create(103, 1, 28, 28, 10, 1);
        for (float pixel : d.pixels(0, d.size())) {
            assertTrue(pixel >= 0 && pixel <= 255, "pixel " + pixel);
        }
        int[] perClass = new int[10];
        for (int label : d.labels()) {
            perClass[label]++;
        }
        assertEquals(10, Arrays.stream(perClass).min().getAsInt());
        assertEquals(11, Arrays.stream(perClass).max().getAsInt());
    }

    /** Class means of one seed's data classify another seed's data: the seed changes the samples, not the task. */
    @Test
    void classesAreSeparableAcrossSeeds() {
        assertTrue(nearestMeanAccuracy(1, 28, 28) > 0.95);
        assertTrue(nearestMeanAccuracy(3, 16, 16) > 0.95);
    }

    private static double nearestMeanAccuracy(int channels, int height, int width) {
        Dataset train = GeneratedDataset.create(500, channels, height, width, 10, 1);
        Dataset test = GeneratedDataset.create(200, channels, height, width, 10, 2);
        int features = train.featureSize();
        double[][] means = new double[10][features];
        float[] trainPixels = train.pixels(0, train.size());
        float[] testPixels = test.pixels(0, test.size());
        for (int i = 0; i < train.size(); i++) {
            for (int f = 0; f < features; f++) {
                means[train.labels()[i]][f] += trainPixels[i * features + f] / 50.0; // 50 samples per class
            }
        }
        int correct = 0;
        for (int i = 0; i < test.size(); i++) {
            int best = -1;
            double bestDistance = Double.MAX_VALUE;
            for (int k = 0; k < 10; k++) {
                double distance = 0;
                for (int f = 0; f < features; f++) {
                    double diff = testPixels[i * features + f] - means[k][f];
                    distance += diff * diff;
                }
                if (distance < bestDistance) {
                    bestDistance = distance;
                    best = k;
                }
            }
            correct += best == test.labels()[i] ? 1 : 0;
        }
        return correct / (double) test.size();
    }
}
