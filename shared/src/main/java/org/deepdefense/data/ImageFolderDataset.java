package org.deepdefense.data;

import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An ImageNet-style folder, {@code <root>/train/<class>/*.jpg|jpeg|png} and {@code <root>/val/<class>/…}, decoded
 * on demand with the JDK's ImageIO. Class indices come from the sorted folder names of {@code train/} (as
 * torchvision's {@code ImageFolder} does), so {@code val/} maps the same name to the same index. Each image becomes
 * RGB (or luma, for one-channel networks), its shorter side is resized to the crop side with an antialiased
 * bilinear filter and the centre {@code side × side} square is cut out, so sources of any size give samples of one
 * shape. Samples are ordered with the classes taking turns, so the first n samples (a subset) are balanced.
 * Only the file list is held; decoded samples (one byte a value) live in a least-recently-used cache of
 * bounded size that {@link #select} views share, so a set larger than memory is read a batch at a time.
 */
public final class ImageFolderDataset implements Dataset {
    public static final String TRAIN_FOLDER = "train";
    public static final String VAL_FOLDER = "val";
    /** Decoded samples kept for reuse, across all views of one opened split. */
    public static final long DEFAULT_CACHE_BYTES = 256L << 20;
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    private final String name;
    private final List<String> classes;
    private final Path[] files;
    private final int[] labels;
    private final int channels;
    private final int side;
    private final SampleCache cache;

    private ImageFolderDataset(String name, List<String> classes, Path[] files, int[] labels, int channels, int side,
            SampleCache cache) {
        this.name = name;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
        this.side = side;
        this.cache = cache;
    }

    /** As {@link #open(Path, Split, int, int, long)} with the {@link #DEFAULT_CACHE_BYTES default cache}. */
    public static ImageFolderDataset open(Path root, Split split, int channels, int side) throws IOException {
        return open(root, split, channels, side, DEFAULT_CACHE_BYTES);
    }

    /**
     * Lists a split and reads every image's header (not its pixels), so that a file no decoder recognises is
     * refused, by name, before any training starts.
     *
     * @param split {@link Split#TRAIN} reads {@code train/}, {@link Split#TEST} reads {@code val/}
     * @param channels 3 for RGB, 1 for luma
     * @param side height and width of the samples
     * @throws DatasetNotFoundException when the split's folder is missing
     * @throws IOException naming the folder or file: no class folders, an empty class folder, a class in
     *     {@code val/} that {@code train/} lacks, an unreadable image
     */
    public static ImageFolderDataset open(Path root, Split split, int channels, int side, long cacheBytes)
            throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("image folders give 1 (luma) or 3 (RGB) channels, not " + channels);
        }
        if (side <= 0 || cacheBytes < 0) {
            throw new IllegalArgumentException("side must be positive and cacheBytes >= 0");
        }
        List<String> classes = classFolders(root, TRAIN_FOLDER);
        String folder = split == Split.TRAIN ? TRAIN_FOLDER : VAL_FOLDER;
        List<String> present = split == Split.TRAIN ? classes : classFolders(root, folder);
        List<String> unknown = present.stream().filter(c -> !classes.contains(c)).toList();
        if (!unknown.isEmpty()) {
            throw new IOException(root.resolve(folder) + ": class folders " + unknown + " are not classes of "
                    + root.resolve(TRAIN_FOLDER) + " " + classes);
        }
        List<List<Path>> perClass = new ArrayList<>();
        for (String className : present) {
            Path classDir = root.resolve(folder).resolve(className);
            List<Path> images = imageFiles(classDir);
            if (images.isEmpty()) {
                throw new IOException("empty class folder " + classDir + ": it holds no " + EXTENSIONS + " file");
            }
            perClass.add(images);
        }
        // Classes take turns (the first image of each class, then the second, ...), so that the first n samples,
        // which a subset keeps, cover the classes evenly instead of being all of the first class.
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        int longest = perClass.stream().mapToInt(List::size).max().orElse(0);
        for (int rank = 0; rank < longest; rank++) {
            for (int c = 0; c < perClass.size(); c++) {
                if (rank < perClass.get(c).size()) {
                    files.add(perClass.get(c).get(rank));
                    labels.add(classes.indexOf(present.get(c)));
                }
            }
        }
        Path[] fileArray = files.toArray(Path[]::new);
        // Headers in parallel: for a large set, opening every file is the cost here, not the parsing.
        try {
            IntStream.range(0, fileArray.length).parallel().forEach(i -> requireDecodable(fileArray[i]));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        long sampleBytes = (long) channels * side * side;
        return new ImageFolderDataset(DatasetName.IMAGEFOLDER.id(), List.copyOf(classes), fileArray,
                labels.stream().mapToInt(Integer::intValue).toArray(), channels, side,
                new SampleCache((int) Math.min(Integer.MAX_VALUE, cacheBytes / sampleBytes)));
    }

    /** Sorted names of the class folders of {@code root/folder}; at least one. */
    private static List<String> classFolders(Path root, String folder) throws IOException {
        Path dir = root.resolve(folder);
        if (!Files.isDirectory(dir)) {
            throw new DatasetNotFoundException(DatasetName.IMAGEFOLDER.id() + ": no " + folder + "/ folder in "
                    + root + "; an image folder holds " + TRAIN_FOLDER + "/<class>/*.jpg|png and "
                    + VAL_FOLDER + "/<class>/*.jpg|png");
        }
        List<String> names;
        try (Stream<Path> children = Files.list(dir)) {
            names = children.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
        }
        if (names.isEmpty()) {
            throw new IOException(dir + " has no class folders (expected " + dir + "/<class>/*.jpg|png)");
        }
        return names;
    }

    private static List<Path> imageFiles(Path classDir) throws IOException {
        try (Stream<Path> children = Files.list(classDir)) {
            return children.filter(Files::isRegularFile)
                    .filter(p -> EXTENSIONS.stream().anyMatch(p.getFileName().toString().toLowerCase(Locale.ROOT)::endsWith))
                    .sorted().toList();
        }
    }

    private static void requireDecodable(Path file) {
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? Collections.emptyIterator() : ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw unreadable(file, "no ImageIO decoder recognises its content", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                if (reader.getWidth(0) <= 0 || reader.getHeight(0) <= 0) {
                    throw unreadable(file, "it declares an empty image", null);
                }
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw unreadable(file, e.getMessage(), e);
        }
    }

    private static UncheckedIOException unreadable(Path file, String reason, IOException cause) {
        return new UncheckedIOException(new IOException("unreadable image " + file + ": " + reason, cause));
    }

    /** The class names, index i being label i. */
    public List<String> classes() {
        return classes;
    }

    /** The image file of sample i. */
    public Path file(int index) {
        return files[Objects.checkIndex(index, files.length)];
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int[] labels() {
        return labels;
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public int height() {
        return side;
    }

    @Override
    public int width() {
        return side;
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public String preparation() {
        return String.format(Locale.ROOT, "%s, shorter side resized to %d (antialiased bilinear), centre crop %dx%d",
                channels == 3 ? "RGB" : "luma", side, side, side);
    }

    /**
     * Decodes the samples not in the cache (in parallel: decoding, not the network, is the cost per image here).
     *
     * @throws UncheckedIOException naming the file when an image cannot be decoded
     */
    @Override
    public float[] pixels(int[] indices) {
        int features = featureSize();
        byte[][] samples = new byte[indices.length][];
        IntStream.range(0, indices.length).parallel()
                .forEach(i -> samples[i] = cache.get(file(indices[i]), this::decode));
        float[] out = new float[indices.length * features];
        for (int i = 0; i < indices.length; i++) {
            for (int f = 0; f < features; f++) {
                out[i * features + f] = samples[i][f] & 0xFF;
            }
        }
        return out;
    }

    @Override
    public ImageFolderDataset select(int[] indices) {
        Path[] selectedFiles = new Path[indices.length];
        int[] selectedLabels = new int[indices.length];
        for (int i = 0; i < indices.length; i++) {
            selectedFiles[i] = file(indices[i]);
            selectedLabels[i] = labels[indices[i]];
        }
        return new ImageFolderDataset(name, classes, selectedFiles, selectedLabels, channels, side, cache);
    }

    /** One sample, CHW, one byte a value. */
    private byte[] decode(Path file) {
        BufferedImage image;
        try {
            image = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw unreadable(file, e.getMessage(), e);
        }
        if (image == null) {
            throw unreadable(file, "no ImageIO decoder recognises its content", null);
        }
        float[][] planes = planes(image, channels);
        int h = image.getHeight();
        int w = image.getWidth();
        // Shorter side to `side`, the longer one truncated as torchvision's Resize(int) does; then the centre
        // square, offset rounded half to even as Python's round() in torchvision's CenterCrop.
        int resizedH = h <= w ? side : (int) ((long) side * h / w);
        int resizedW = h <= w ? (int) ((long) side * w / h) : side;
        int top = (int) Math.rint((resizedH - side) / 2.0);
        int left = (int) Math.rint((resizedW - side) / 2.0);
        float[][] rowWeights = Resampling.weights(h, resizedH, top, side);
        float[][] columnWeights = Resampling.weights(w, resizedW, left, side);
        int[] rowStart = Resampling.starts(h, resizedH, top, side);
        int[] columnStart = Resampling.starts(w, resizedW, left, side);
        byte[] sample = new byte[channels * side * side];
        float[] rows = new float[side * w];
        for (int c = 0; c < channels; c++) {
            float[] plane = planes[c];
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < w; x++) {
                    float sum = 0;
                    for (int k = 0; k < rowWeights[y].length; k++) {
                        sum += rowWeights[y][k] * plane[(rowStart[y] + k) * w + x];
                    }
                    rows[y * w + x] = sum;
                }
            }
            for (int y = 0; y < side; y++) {
                for (int x = 0; x < side; x++) {
                    float sum = 0;
                    for (int k = 0; k < columnWeights[x].length; k++) {
                        sum += columnWeights[x][k] * rows[y * w + columnStart[x] + k];
                    }
                    sample[(c * side + y) * side + x] = (byte) Math.min(255, Math.max(0, Math.round(sum)));
                }
            }
        }
        return sample;
    }

    /**
     * The image's planes as 0..255 values. Grey images are read from their raster, not through getRGB, which
     * would convert the JDK's linear grey colour space to sRGB and brighten every pixel; alpha is dropped (as
     * PIL's convert("RGB") does).
     */
    private static float[][] planes(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        float[][] rgb = new float[3][h * w];
        int bands = image.getRaster().getNumBands();
        if (bands <= 2) {
            Raster raster = image.getRaster();
            double scale = 255.0 / ((1L << image.getColorModel().getComponentSize(0)) - 1);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float grey = (float) Math.rint(raster.getSample(x, y, 0) * scale);
                    rgb[0][y * w + x] = grey;
                    rgb[1][y * w + x] = grey;
                    rgb[2][y * w + x] = grey;
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                rgb[0][i] = (argb[i] >> 16) & 0xFF;
                rgb[1][i] = (argb[i] >> 8) & 0xFF;
                rgb[2][i] = argb[i] & 0xFF;
            }
        }
        if (channels == 3) {
            return rgb;
        }
        // ITU-R 601-2 luma, PIL's convert("L").
        float[] luma = new float[h * w];
        for (int i = 0; i < luma.length; i++) {
            luma[i] = (rgb[0][i] * 299 + rgb[1][i] * 587 + rgb[2][i] * 114) / 1000;
        }
        return new float[][] {luma};
    }

    @Override
    public String toString() {
        return "Dataset[" + name + ", " + size() + " x " + channels + "x" + side + "x" + side + ", "
                + numClasses() + " classes]";
    }

    /** Least recently used decoded samples, bounded in count; shared by the views {@link #select} makes. */
    private static final class SampleCache {
        private final int capacity;
        private final Map<Path, byte[]> samples;

        SampleCache(int capacity) {
            this.capacity = capacity;
            this.samples = new LinkedHashMap<>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Path, byte[]> eldest) {
                    return size() > SampleCache.this.capacity;
                }
            };
        }

        /** Decodes outside the lock, so that misses of one batch decode in parallel. */
        byte[] get(Path file, java.util.function.Function<Path, byte[]> decode) {
            synchronized (samples) {
                byte[] cached = samples.get(file);
                if (cached != null) {
                    return cached;
                }
            }
            byte[] decoded = decode.apply(file);
            if (capacity > 0) {
                synchronized (samples) {
                    samples.put(file, decoded);
                }
            }
            return decoded;
        }
    }

    /**
     * Separable antialiased bilinear (triangle) filter as PIL's resize uses it: when shrinking, the triangle widens
     * by the scale factor, so every source pixel contributes and nothing aliases; at scale 1 it is the identity.
     */
    static final class Resampling {
        private Resampling() {}

        /** For output positions [offset, offset + count) of a resize from {@code in} to {@code out} samples. */
        static float[][] weights(int in, int out, int offset, int count) {
            float[][] weights = new float[count][];
            int[] starts = starts(in, out, offset, count);
            double scale = (double) in / out;
            double support = Math.max(scale, 1);
            for (int i = 0; i < count; i++) {
                double center = (offset + i + 0.5) * scale;
                int end = end(in, center, support);
                double[] w = new double[end - starts[i]];
                double total = 0;
                for (int j = starts[i]; j < end; j++) {
                    w[j - starts[i]] = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
                    total += w[j - starts[i]];
                }
                weights[i] = new float[w.length];
                for (int k = 0; k < w.length; k++) {
                    weights[i][k] = (float) (w[k] / total);
                }
            }
            return weights;
        }

        static int[] starts(int in, int out, int offset, int count) {
            double scale = (double) in / out;
            double support = Math.max(scale, 1);
            int[] starts = new int[count];
            Arrays.setAll(starts, i -> Math.max(0, (int) ((offset + i + 0.5) * scale - support + 0.5)));
            return starts;
        }

        private static int end(int in, double center, double support) {
            return Math.min(in, (int) (center + support + 0.5));
        }
    }
}
