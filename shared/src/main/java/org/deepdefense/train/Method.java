package org.deepdefense.train;

import org.deepdefense.util.Names;

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
        return Names.parse(values(), Method::id, name, "method");
    }
}
