package org.deepdefense.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

/**
 * Writes an ImageNet-style folder ({@code train/<class>/*.png}, {@code val/<class>/*.png}) of grey images that a
 * small network can learn: class c is a bright band at rows proportional to c, over seeded noise. For tests of the
 * services, which read image folders through their data directory.
 */
public final class GeneratedImageFolders {
    private GeneratedImageFolders() {}

    /** Classes are named {@code class-0}, {@code class-1}, ...; returns {@code root}. */
    public static Path write(Path root, int classes, int trainPerClass, int valPerClass, int side, long seed)
            throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (String split : new String[] {ImageFolderDataset.TRAIN_FOLDER, ImageFolderDataset.VAL_FOLDER}) {
            int perClass = split.equals(ImageFolderDataset.TRAIN_FOLDER) ? trainPerClass : valPerClass;
            for (int c = 0; c < classes; c++) {
                Path folder = Files.createDirectories(root.resolve(split).resolve("class-" + c));
                int bandFrom = c * side / classes;
                int bandTo = (c + 1) * side / classes;
                for (int i = 0; i < perClass; i++) {
                    BufferedImage image = new BufferedImage(side, side, BufferedImage.TYPE_BYTE_GRAY);
                    for (int y = 0; y < side; y++) {
                        for (int x = 0; x < side; x++) {
                            int grey = (y >= bandFrom && y < bandTo ? 180 : 40) + random.nextInt(60);
                            image.getRaster().setSample(x, y, 0, grey);
                        }
                    }
                    if (!ImageIO.write(image, "png", folder.resolve(i + ".png").toFile())) {
                        throw new IOException("ImageIO has no PNG writer");
                    }
                }
            }
        }
        return root;
    }
}
