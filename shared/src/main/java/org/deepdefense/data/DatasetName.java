package org.deepdefense.data;

import org.deepdefense.util.Names;

/** The datasets the platform knows; {@link #id()} is the name used on the command line, in messages and checkpoints. */
public enum DatasetName {
    MNIST("mnist"),
    FASHION_MNIST("fashion-mnist"),
    CIFAR10("cifar10"),
    GENERATED("generated"),
    /** An ImageNet-style folder of JPEG/PNG files, {@code train/<class>/…} and {@code val/<class>/…}. */
    IMAGEFOLDER("imagefolder");

    private final String id;

    DatasetName(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Accepts the id or the constant name, case-insensitive, with '-' and '_' interchangeable. */
    public static DatasetName parse(String text) {
        return Names.parse(values(), DatasetName::id, text, "dataset");
    }
}
