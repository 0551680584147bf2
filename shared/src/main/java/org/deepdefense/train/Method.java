package org.deepdefense.train;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Training methods. */
public enum Method {
    /** Plain cross-entropy training. */
    VANILLA("vanilla"),
    /** Cross-entropy plus the Deep Defense regulariser. */
    DEEPDEFENSE("deepdefense");

    private final String id;

    Method(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Method parse(String name) {
        for (Method m : values()) {
            if (m.id.equalsIgnoreCase(name) || m.name().equalsIgnoreCase(name)) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown method '" + name + "'; known: "
                + Arrays.stream(values()).map(Method::id).collect(Collectors.joining(", ")));
    }
}
