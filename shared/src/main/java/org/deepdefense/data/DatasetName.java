package org.deepdefense.data;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/** The datasets the platform knows; {@link #id()} is the name used on the command line, in messages and checkpoints. */
public enum DatasetName {
    MNIST("mnist"),
    FASHION_MNIST("fashion-mnist"),
    CIFAR10("cifar10"),
    GENERATED("generated");

    private final String id;

    DatasetName(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    /** Accepts the id or the constant name, case-insensitive, with '-' and '_' interchangeable. */
    public static DatasetName parse(String text) {
        Objects.requireNonNull(text, "dataset name");
        String normalized = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (DatasetName name : values()) {
            if (name.id.equals(normalized)) {
                return name;
            }
        }
        String known = Arrays.stream(values()).map(DatasetName::id).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown dataset '" + text + "'; known datasets: " + known);
    }
}
