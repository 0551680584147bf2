package org.deepdefense.data;

import java.util.SplittableRandom;

/** Learnable synthetic data for tests and benchmarks, so they need no files. */
public final class GeneratedDataset {
    /**
     * The class prototypes come from this fixed seed, not the caller's, so sets created with different seeds
     * (a training and a test set, say) pose the same classification problem.
     */
    private static final long PROTOTYPE_SEED = 0x5EEDDA7AL;
    private static final int WAVES = 2;
    private static final double AMPLITUDE = 80; // prototypes stay within 128 +- 80
    private static final double MAX_CYCLES = 1.5; // per image side: smooth, low-frequency patterns
    private static final double NOISE_STDDEV = 48;

    private GeneratedDataset() {}

    /**
     * Per-class smooth prototype images (sums of low-frequency sine waves per channel) plus seeded Gaussian
     * noise, pixel values clipped to 0..255. Labels are balanced (counts differ by at most one) in seeded
     * order. Same arguments give identical data.
     */
    public static InMemoryDataset create(int size, int channels, int height, int width, int numClasses, long seed) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, got " + size);
        }
        float[][] prototypes = prototypes(channels, height, width, numClasses);
        SplittableRandom random = new SplittableRandom(seed);
        int[] labels = EpochOrder.shuffled(size, random);
        for (int i = 0; i < size; i++) {
            labels[i] %= numClasses;
        }
        int features = channels * height * width;
        float[] images = new float[size * features];
        for (int i = 0; i < size; i++) {
            float[] prototype = prototypes[labels[i]];
            for (int f = 0; f < features; f++) {
                double value = prototype[f] + NOISE_STDDEV * random.nextGaussian();
                images[i * features + f] = (float) Math.min(255, Math.max(0, value));
            }
        }
        return new InMemoryDataset(DatasetName.GENERATED.id(), images, labels, channels, height, width, numClasses);
    }

    private static float[][] prototypes(int channels, int height, int width, int numClasses) {
        if (channels <= 0 || height <= 0 || width <= 0 || numClasses <= 0) {
            throw new IllegalArgumentException("shape " + channels + "x" + height + "x" + width + " and "
                    + numClasses + " classes must be positive");
        }
        SplittableRandom random = new SplittableRandom(PROTOTYPE_SEED);
        float[][] prototypes = new float[numClasses][channels * height * width];
        for (float[] prototype : prototypes) {
            for (int c = 0; c < channels; c++) {
                for (int wave = 0; wave < WAVES; wave++) {
                    double cyclesY = random.nextDouble(-MAX_CYCLES, MAX_CYCLES);
                    double cyclesX = random.nextDouble(-MAX_CYCLES, MAX_CYCLES);
                    double phase = random.nextDouble(2 * Math.PI);
                    for (int y = 0; y < height; y++) {
                        for (int x = 0; x < width; x++) {
                            double angle = 2 * Math.PI * (cyclesY * y / height + cyclesX * x / width) + phase;
                            prototype[(c * height + y) * width + x] += (float) (AMPLITUDE / WAVES * Math.sin(angle));
                        }
                    }
                }
            }
            for (int f = 0; f < prototype.length; f++) {
                prototype[f] += 128;
            }
        }
        return prototypes;
    }
}
