package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import ai.djl.ndarray.NDManager;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.nn.Architecture;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.Method;
import org.deepdefense.train.TrainingConfig;
import org.deepdefense.train.TrainingJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image folders the tests write with ImageIO: layout, class order, geometry, decoding, errors and the cache. */
class ImageFolderDatasetTest {
    private static final int SIDE = 4;

    @TempDir
    Path root;

    @Test
    void classesAreTheSortedFolderNamesTakingTurnsAndSamplesAreChwRgb() throws IOException {
        // Folder names out of order on purpose; the index follows the sorted name, not creation order.
        writeRgb("train/dog/a.png", SIDE, SIDE, (x, y) -> rgb(10 + x, 20 + y, 30 + x + y));
        writeRgb("train/dog/b.png", SIDE, SIDE, (x, y) -> rgb(1, 2, 3));
        writeRgb("train/cat/a.png", SIDE, SIDE, (x, y) -> rgb(200, 100, 50));
        writeRgb("train/ant/z.PNG", SIDE, SIDE, (x, y) -> rgb(7, 8, 9));
        Files.writeString(root.resolve("train/ant/notes.txt"), "not an image: ignored, as torchvision does");

        ImageFolderDataset train = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE);
        assertEquals(List.of("ant", "cat", "dog"), train.classes());
        assertEquals(4, train.size());
        // Rank 0 of every class, then rank 1: ant/z, cat/a, dog/a, dog/b.
        assertArrayEquals(new int[] {0, 1, 2, 2}, train.labels());
        assertEquals(root.resolve("train/dog/a.png"), train.file(2));

        float[] dog = train.pixels(new int[] {2});
        int plane = SIDE * SIDE;
        for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
                assertEquals(10 + x, dog[y * SIDE + x], "red plane first");
                assertEquals(20 + y, dog[plane + y * SIDE + x], "then green");
                assertEquals(30 + x + y, dog[2 * plane + y * SIDE + x], "then blue");
            }
        }
        assertArrayEquals(dog, train.select(new int[] {3, 2}).pixels(new int[] {1}), "a selection is a view");
        assertTrue(train.preparation().contains("RGB, shorter side resized to 4"), train.preparation());
    }

    @Test
    void theShorterSideIsResizedAndTheCentreCutOut() throws IOException {
        // Three vertical bands, each SIDE wide: already SIDE high, so the crop is the green band exactly.
        writeRgb("train/wide/bands.png", 3 * SIDE, SIDE, (x, y) -> band(x / SIDE));
        // Twice as large in both directions: resized by 1/2, the middle of the green band stays pure green.
        writeRgb("train/large/bands.png", 6 * SIDE, 2 * SIDE, (x, y) -> band(x / (2 * SIDE)));
        // A tall image with a constant colour: any resize keeps it (the filter weights sum to one).
        writeRgb("train/tall/flat.png", 3, 17, (x, y) -> rgb(90, 140, 250));

        ImageFolderDataset train = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE);
        assertEquals(List.of("large", "tall", "wide"), train.classes());
        float[] wide = train.pixels(new int[] {2});
        int plane = SIDE * SIDE;
        for (int f = 0; f < plane; f++) {
            assertEquals(0, wide[f]);
            assertEquals(255, wide[plane + f]);
            assertEquals(0, wide[2 * plane + f]);
        }
        float[] large = train.pixels(new int[] {0});
        int centre = (SIDE / 2) * SIDE + SIDE / 2;
        assertEquals(255, large[plane + centre], "green at the centre");
        assertEquals(0, large[centre], "no red at the centre");
        assertTrue(large[0] > 0 && large[2 * plane] == 0, "the left edge blends in a little red, no blue");
        assertTrue(large[SIDE - 1] == 0 && large[2 * plane + SIDE - 1] > 0, "the right edge a little blue, no red");
        float[] tall = train.pixels(new int[] {1});
        for (int f = 0; f < plane; f++) {
            assertEquals(90, tall[f]);
            assertEquals(140, tall[plane + f]);
            assertEquals(250, tall[2 * plane + f]);
        }
    }

    @Test
    void jpegAndGreyImagesDecodeToTheirValues() throws IOException {
        writeRgb("train/jpeg/flat.jpg", 16, 16, (x, y) -> rgb(40, 160, 220));
        BufferedImage grey = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 2, 0, 100);
        write(grey, "train/png/grey.png");

        ImageFolderDataset rgb = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE);
        float[] jpeg = rgb.pixels(new int[] {0});
        int plane = SIDE * SIDE;
        for (int f = 0; f < plane; f++) {
            // JPEG is lossy; a flat colour comes back within a few levels.
            assertEquals(40, jpeg[f], 3);
            assertEquals(160, jpeg[plane + f], 3);
            assertEquals(220, jpeg[2 * plane + f], 3);
        }
        float[] greyRgb = rgb.pixels(new int[] {1});
        int at = 2 * SIDE + 1;
        // Not 155 or so, which ImageIO's getRGB would give by treating grey as linear light.
        assertArrayEquals(new float[] {100, 100, 100}, new float[] {greyRgb[at], greyRgb[plane + at], greyRgb[2 * plane + at]});

        ImageFolderDataset luma = ImageFolderDataset.open(root, Split.TRAIN, 1, SIDE);
        assertEquals(1, luma.featureSize() / plane);
        assertEquals((40 * 299 + 160 * 587 + 220 * 114) / 1000f, luma.pixels(new int[] {0})[0], 3);
        assertEquals(100, luma.pixels(new int[] {1})[at]);
    }

    @Test
    void valUsesTrainsClassIndicesAndMayLackAClass() throws IOException {
        writeRgb("train/a/1.png", SIDE, SIDE, (x, y) -> rgb(1, 1, 1));
        writeRgb("train/b/1.png", SIDE, SIDE, (x, y) -> rgb(2, 2, 2));
        writeRgb("train/c/1.png", SIDE, SIDE, (x, y) -> rgb(3, 3, 3));
        writeRgb("val/c/1.png", SIDE, SIDE, (x, y) -> rgb(3, 3, 3));
        ImageFolderDataset val = ImageFolderDataset.open(root, Split.TEST, 3, SIDE);
        assertArrayEquals(new int[] {2}, val.labels());
        assertEquals(3, val.numClasses());

        writeRgb("val/zebra/1.png", SIDE, SIDE, (x, y) -> rgb(3, 3, 3));
        IOException unknown = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TEST, 3, SIDE));
        assertTrue(unknown.getMessage().contains("class folders [zebra] are not classes of"), unknown.getMessage());
    }

    @Test
    void badFoldersAndFilesAreRefusedByName() throws IOException {
        DatasetNotFoundException noTrain = assertThrows(DatasetNotFoundException.class,
                () -> ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE));
        assertTrue(noTrain.getMessage().contains("no train/ folder in " + root), noTrain.getMessage());

        Files.createDirectories(root.resolve("train"));
        IOException noClasses = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE));
        assertTrue(noClasses.getMessage().contains("has no class folders"), noClasses.getMessage());

        writeRgb("train/full/1.png", SIDE, SIDE, (x, y) -> rgb(1, 1, 1));
        Files.createDirectories(root.resolve("train/empty"));
        Files.writeString(root.resolve("train/empty/readme.md"), "no images here");
        IOException empty = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE));
        assertTrue(empty.getMessage().contains("empty class folder " + root.resolve("train/empty")), empty.getMessage());
        Files.delete(root.resolve("train/empty/readme.md"));
        Files.delete(root.resolve("train/empty"));

        DatasetNotFoundException noVal = assertThrows(DatasetNotFoundException.class,
                () -> ImageFolderDataset.open(root, Split.TEST, 3, SIDE));
        assertTrue(noVal.getMessage().contains("no val/ folder"), noVal.getMessage());

        Path broken = root.resolve("train/full/broken.png");
        Files.writeString(broken, "this is not a PNG");
        IOException unreadable = assertThrows(IOException.class, () -> ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE));
        assertTrue(unreadable.getMessage().contains("unreadable image " + broken), unreadable.getMessage());

        // A header that parses over pixel data that does not: found when the batch holding it is read.
        Path good = root.resolve("train/full/1.png");
        byte[] png = Files.readAllBytes(good);
        Files.write(broken, java.util.Arrays.copyOf(png, png.length / 2));
        ImageFolderDataset truncated = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE);
        UncheckedIOException late = assertThrows(UncheckedIOException.class,
                () -> truncated.pixels(0, truncated.size()));
        assertTrue(late.getMessage().contains("unreadable image " + broken), late.getMessage());
    }

    @Test
    void imagesAreDecodedWhenReadAndTheCacheIsBounded() throws IOException {
        writeRgb("train/a/1.png", SIDE, SIDE, (x, y) -> rgb(10, 10, 10));
        writeRgb("train/a/2.png", SIDE, SIDE, (x, y) -> rgb(20, 20, 20));
        long oneSample = 3L * SIDE * SIDE;
        ImageFolderDataset cachesOne = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE, oneSample);
        ImageFolderDataset cachesNone = ImageFolderDataset.open(root, Split.TRAIN, 3, SIDE, 0);
        // Changed after opening and before reading: open listed the files, it did not decode them.
        writeRgb("train/a/1.png", SIDE, SIDE, (x, y) -> rgb(11, 11, 11));
        assertEquals(11, cachesOne.pixels(new int[] {0})[0]);
        assertEquals(11, cachesNone.pixels(new int[] {0})[0]);

        writeRgb("train/a/1.png", SIDE, SIDE, (x, y) -> rgb(12, 12, 12));
        assertEquals(11, cachesOne.pixels(new int[] {0})[0], "served from the cache");
        assertEquals(12, cachesNone.pixels(new int[] {0})[0], "no cache: decoded again");
        cachesOne.pixels(new int[] {1}); // displaces sample 0 from a cache of one
        assertEquals(12, cachesOne.pixels(new int[] {0})[0], "evicted, so decoded again");
    }

    @Test
    void dataSourceCropsToTheArchitecturesInputAndTheMeanIsTheTrainingSplits() throws IOException {
        for (int i = 0; i < 3; i++) {
            int value = 30 * i;
            writeRgb("train/a/" + i + ".png", 40, 48, (x, y) -> rgb(value, value + 1, value + 2));
            writeRgb("train/b/" + i + ".jpg", 64, 36, (x, y) -> rgb(100, 100, 100));
        }
        Dataset train = DataSource.load(DatasetName.IMAGEFOLDER, Split.TRAIN, root, null, Architecture.RESNET18_CIFAR);
        assertEquals(List.of(3, 32, 32), List.of(train.channels(), train.height(), train.width()));
        Dataset subset = DataSource.load(DatasetName.IMAGEFOLDER, Split.TRAIN, root, 2, Architecture.RESNET18_CIFAR);
        assertArrayEquals(new int[] {0, 1}, subset.labels(), "a subset's first samples cover the classes");

        float[] mean = Preprocessor.meanSubtraction(train).mean();
        // Class a's mean red is (0 + 30 + 60) / 3 = 30; class b's is 100 (within JPEG error); three of each.
        assertEquals((30 + 100) / 2.0, mean[0], 2);
        assertEquals((32 + 100) / 2.0, mean[2 * 32 * 32], 2);
    }

    @Test
    void aTrainingRunOnAnImageFolderRecordsHowItsImagesWerePrepared() throws IOException {
        for (int i = 0; i < 4; i++) {
            int value = 60 * i;
            writeRgb("train/dark/" + i + ".png", 30, 30, (x, y) -> rgb(value / 4, value / 4, value / 4));
            writeRgb("train/light/" + i + ".png", 30, 30, (x, y) -> rgb(255 - value / 4, 200, 200));
        }
        TrainingJob.Spec spec = new TrainingJob.Spec("folder", DatasetName.IMAGEFOLDER, root, Architecture.LINEAR,
                TrainingConfig.defaults(Method.VANILLA).withEpochs(1).withBatchSize(4), null, null, null);
        try (NDManager manager = NDManager.newBaseManager("PyTorch")) {
            CheckpointMetadata meta = TrainingJob.run(spec, new CheckpointStore(root.resolve("store")), manager,
                    new TrainingJob.Events() {}).orElseThrow().metadata();
            assertEquals("luma, shorter side resized to 28 (antialiased bilinear), centre crop 28x28;"
                    + " per-pixel-mean-subtraction", meta.preprocessing());
            assertArrayEquals(new int[] {1, 28, 28}, meta.inputShape());
            assertEquals(2, meta.numClasses(), "as many classes as class folders");
        }
    }

    private interface Pixels {
        int at(int x, int y);
    }

    private static int rgb(int r, int g, int b) {
        return r << 16 | g << 8 | b;
    }

    private static int band(int index) {
        return 0xFF << (16 - 8 * index);
    }

    private void writeRgb(String relative, int width, int height, Pixels pixels) throws IOException {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, pixels.at(x, y));
            }
        }
        write(image, relative);
    }

    private void write(BufferedImage image, String relative) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        String format = relative.toLowerCase(java.util.Locale.ROOT).endsWith(".png") ? "png" : "jpg";
        assertTrue(ImageIO.write(image, format, file.toFile()), "ImageIO writes " + format);
    }
}
