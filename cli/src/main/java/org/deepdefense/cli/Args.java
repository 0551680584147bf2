package org.deepdefense.cli;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** "--name value" and "--flag" options of one command; unknown or unused options are an error. */
final class Args {
    private final Map<String, String> values = new HashMap<>();
    private final Set<String> used = new HashSet<>();

    Args(String[] args, int from, Set<String> flags) {
        for (int i = from; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new UsageException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            int eq = name.indexOf('=');
            if (eq >= 0) {
                values.put(name.substring(0, eq), name.substring(eq + 1));
            } else if (flags.contains(name)) {
                values.put(name, "true");
            } else if (i + 1 < args.length) {
                values.put(name, args[++i]);
            } else {
                throw new UsageException("option --" + name + " needs a value");
            }
        }
    }

    String string(String name, String fallback) {
        used.add(name);
        return values.getOrDefault(name, fallback);
    }

    String required(String name) {
        String value = string(name, null);
        if (value == null) {
            throw new UsageException("missing --" + name);
        }
        return value;
    }

    int integer(String name, int fallback) {
        String value = string(name, null);
        try {
            return value == null ? fallback : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a whole number, got '" + value + "'");
        }
    }

    /** The option's whole number, or null when it is not given. */
    Integer optionalInteger(String name) {
        return string(name, null) == null ? null : integer(name, 0);
    }

    double number(String name, double fallback) {
        String value = string(name, null);
        try {
            return value == null ? fallback : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " needs a number, got '" + value + "'");
        }
    }

    double[] numbers(String name, double[] fallback) {
        String value = string(name, null);
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String[] parts = value.split(",");
        double[] result = new double[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                result[i] = Double.parseDouble(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new UsageException("--" + name + " needs comma-separated numbers, got '" + value + "'");
            }
        }
        return result;
    }

    boolean flag(String name) {
        return Boolean.parseBoolean(string(name, "false"));
    }

    Path path(String name, String fallback) {
        String value = string(name, fallback);
        return value == null ? null : Path.of(value);
    }

    /** Rejects options the command never asked for, so a typo is not silently ignored. */
    void requireAllUsed() {
        for (String name : values.keySet()) {
            if (!used.contains(name)) {
                throw new UsageException("unknown option --" + name);
            }
        }
    }

    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
