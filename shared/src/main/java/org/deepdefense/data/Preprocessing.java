package org.deepdefense.data;

import org.deepdefense.util.Names;

/**
 * The input transforms the platform fits on a training set; {@link #id()} is what checkpoint metadata records
 * as {@code preprocessing}. Each dataset uses the one its official Deep Defense recipe used.
 */
public enum Preprocessing {
    /** Raw 0–255 pixels minus the per-pixel training mean (the official MNIST recipe). */
    MEAN_SUBTRACTION("per-pixel-mean-subtraction"),
    /** Mean subtraction, per-image contrast normalisation and ZCA whitening ({@link ContrastWhitening}). */
    OFFICIAL_CIFAR("official-cifar");

    /** Between the dataset's preparation of its images (an image folder's resize and crop) and the transform id. */
    public static final String AFTER_PREPARATION = "; ";

    private final String id;

    Preprocessing(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Preprocessing parse(String text) {
        return Names.parse(values(), Preprocessing::id, text, "preprocessing");
    }

    /** The transform that checkpoint metadata's {@code preprocessing} names, after any preparation of the images. */
    public static Preprocessing ofRecorded(String recorded) {
        int at = recorded.lastIndexOf(AFTER_PREPARATION);
        return parse(at < 0 ? recorded : recorded.substring(at + AFTER_PREPARATION.length()));
    }

    /** CIFAR-10 as MatConvNet's cnn_cifar.m prepared it for the authors; every other dataset by mean subtraction. */
    public static Preprocessing forDataset(DatasetName dataset) {
        return dataset == DatasetName.CIFAR10 ? OFFICIAL_CIFAR : MEAN_SUBTRACTION;
    }
}
