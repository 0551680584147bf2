package org.deepdefense.util;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import java.util.stream.Collectors;

/** Parsing of the names users type for enum values (datasets, architectures, methods). */
public final class Names {
    private Names() {}

    /**
     * The value whose id matches {@code text}, case-insensitive, with '-' and '_' interchangeable; else an
     * IllegalArgumentException listing the known ids.
     */
    public static <E extends Enum<E>> E parse(E[] values, Function<E, String> id, String text, String kind) {
        Objects.requireNonNull(text, kind);
        String normalized = normalize(text);
        for (E value : values) {
            if (normalize(id.apply(value)).equals(normalized)) {
                return value;
            }
        }
        String known = Arrays.stream(values).map(id).collect(Collectors.joining(", "));
        throw new IllegalArgumentException("unknown " + kind + " '" + text + "'; known " + kind + "s: " + known);
    }

    private static String normalize(String text) {
        return text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
