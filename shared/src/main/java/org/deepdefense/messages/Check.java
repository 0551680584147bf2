package org.deepdefense.messages;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Field rules of the message records. Each method returns the value when it is acceptable and otherwise
 * throws {@link InvalidMessageException} with a reason that names the field and quotes the value.
 * The identifier, store-key and checksum rules are public so that the checkpoint store can apply the
 * same rules as the messages.
 */
public final class Check {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final Pattern KEY_SEGMENT = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern INTERVAL = Pattern.compile("([\\[(])(\\S+), (\\S+)([\\])])");
    private static final int MAX_STORE_KEY_LENGTH = 1024;
    private static final int MAX_QUOTED = 80;

    private Check() {
    }

    static InvalidMessageException fail(String format, Object... args) {
        return new InvalidMessageException(String.format(format, args));
    }

    static void schemaVersion(int version) {
        if (version != Messages.SCHEMA_VERSION) {
            throw fail("unsupported schemaVersion %d (this build reads %d)", version, Messages.SCHEMA_VERSION);
        }
    }

    static <T> T required(String field, T value) {
        if (value == null) {
            throw fail("%s is required", field);
        }
        return value;
    }

    /** A run or checkpoint id: safe as a Kafka key, a metric label and a file name. */
    public static String id(String field, String value) {
        if (!ID.matcher(required(field, value)).matches()) {
            throw fail("%s must match %s, got %s", field, ID, quote(value));
        }
        return value;
    }

    /** Non-blank free text of bounded length. */
    static String text(String field, String value, int maxLength) {
        if (required(field, value).isBlank() || value.length() > maxLength) {
            throw fail("%s must be non-blank text of at most %d characters, got %s", field, maxLength, quote(value));
        }
        return value;
    }

    static String oneOf(String field, String value, List<String> allowed) {
        if (!allowed.contains(required(field, value))) {
            throw fail("%s must be one of %s, got %s", field, allowed, quote(value));
        }
        return value;
    }

    /** A non-empty list of distinct values from {@code allowed}, copied so the record stays immutable. */
    static List<String> distinctOf(String field, List<String> values, List<String> allowed) {
        if (required(field, values).isEmpty()) {
            throw fail("%s must not be empty", field);
        }
        var seen = new HashSet<String>();
        for (int i = 0; i < values.size(); i++) {
            String value = oneOf(field + "[" + i + "]", values.get(i), allowed);
            if (!seen.add(value)) {
                throw fail("%s lists %s twice", field, quote(value));
            }
        }
        return List.copyOf(values);
    }

    /** A non-empty list of at most {@code maxSize} distinct non-null values, copied so the record stays immutable. */
    static <T> List<T> distinct(String field, List<T> values, int maxSize) {
        if (required(field, values).isEmpty() || values.size() > maxSize) {
            throw fail("%s must hold 1 to %d values, got %d", field, maxSize, values.size());
        }
        var seen = new HashSet<T>();
        for (int i = 0; i < values.size(); i++) {
            if (!seen.add(required(field + "[" + i + "]", values.get(i)))) {
                throw fail("%s lists %s twice", field, values.get(i));
            }
        }
        return List.copyOf(values);
    }

    static int inRange(String field, int value, int min, int max) {
        if (value < min || value > max) {
            throw fail("%s must be in %d..%d, got %d", field, min, max, value);
        }
        return value;
    }

    static long atLeast(String field, long value, long min) {
        if (value < min) {
            throw fail("%s must be at least %d, got %d", field, min, value);
        }
        return value;
    }

    /**
     * A finite number inside a mathematical interval written like {@code "(0, 1]"} or
     * {@code "[0, inf)"}; the interval text is repeated verbatim in the reason.
     */
    static double inRange(String field, double value, String interval) {
        Matcher m = INTERVAL.matcher(interval);
        if (!m.matches()) {
            throw new IllegalArgumentException("not an interval: " + interval);
        }
        double min = bound(m.group(2));
        double max = bound(m.group(3));
        boolean aboveMin = m.group(1).equals("[") ? value >= min : value > min;
        boolean belowMax = m.group(4).equals("]") ? value <= max : value < max;
        if (!Double.isFinite(value) || !aboveMin || !belowMax) {
            throw fail("%s must be a finite number in %s, got %s", field, interval, value);
        }
        return value;
    }

    private static double bound(String text) {
        return Double.parseDouble(text.replace("inf", "Infinity"));
    }

    /**
     * Values of a map must be numbers in {@code interval}; keys are checked by the caller. Copied in
     * insertion order so the record stays immutable and serialises in the order it was given.
     */
    static Map<String, Double> numbers(String field, Map<String, Double> values, String interval) {
        required(field, values).forEach((key, value) -> {
            String entry = field + "[" + quote(key) + "]";
            inRange(entry, required(entry, value), interval);
        });
        return Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    /**
     * A key relative to the checkpoint store: '/'-separated segments of letters, digits, '.', '_' and '-'
     * that start with a letter or digit. Absolute paths, '..', backslashes, percent-escapes and control
     * characters are named explicitly in the reason because they are the ways out of the store.
     */
    public static String storeKey(String field, String key) {
        required(field, key);
        String problem = key.isEmpty() ? "is empty"
                : key.length() > MAX_STORE_KEY_LENGTH ? "is longer than " + MAX_STORE_KEY_LENGTH + " characters"
                : key.startsWith("/") ? "is absolute"
                : key.indexOf('\\') >= 0 ? "contains a backslash"
                : key.indexOf('%') >= 0 ? "contains '%'"
                : key.chars().anyMatch(Character::isISOControl) ? "contains a control character"
                : key.contains("..") ? "contains '..'"
                : null;
        if (problem == null) {
            for (String segment : key.split("/", -1)) {
                if (!KEY_SEGMENT.matcher(segment).matches()) {
                    problem = "has segment " + quote(segment) + " not matching " + KEY_SEGMENT;
                    break;
                }
            }
        }
        if (problem != null) {
            throw fail("%s must be a store-relative key but %s: %s", field, problem, quote(key));
        }
        return key;
    }

    /**
     * The folder of an {@code imagefolder} dataset, relative to the reading node's directory of image folders: every
     * record about such data carries it (the store-key rules keep it inside that directory); other datasets have none.
     */
    static void datasetRoot(String dataset, String datasetRoot) {
        if (dataset.equals(TrainingRequest.IMAGEFOLDER) != (datasetRoot != null)) {
            throw fail("datasetRoot must be given exactly when dataset is %s", TrainingRequest.IMAGEFOLDER);
        }
        if (datasetRoot != null) {
            storeKey("datasetRoot", datasetRoot);
        }
    }

    /** The checkpoint a run starts from, {@code baseCheckpoint} and its {@code baseCheckpointSha256}: both or neither. */
    static void baseCheckpoint(String key, String sha256) {
        if ((key == null) != (sha256 == null)) {
            throw fail("baseCheckpointSha256 must be given exactly when baseCheckpoint is");
        }
        if (key != null) {
            storeKey("baseCheckpoint", key);
            sha256("baseCheckpointSha256", sha256);
        }
    }

    /** Null (the whole split) or how many of its first images to use: 1..{@link TrainingRequest#MAX_SUBSET}. */
    static void subset(String field, Integer images) {
        if (images != null) {
            inRange(field, images, 1, TrainingRequest.MAX_SUBSET);
        }
    }

    public static String sha256(String field, String value) {
        if (!SHA256.matcher(required(field, value)).matches()) {
            throw fail("%s must be 64 lowercase hex digits, got %s", field, quote(value));
        }
        return value;
    }

    static String timestamp(String field, String value) {
        try {
            Instant.parse(required(field, value));
            return value;
        } catch (DateTimeParseException e) {
            throw fail("%s must be an ISO-8601 instant such as 2025-01-31T12:00:00Z, got %s", field, quote(value));
        }
    }

    /** Quotes a value for a reason: shortened, with control characters escaped so a log line stays one line. */
    /** The value in quotes, control characters escaped, cut after a few dozen characters: safe for logs. */
    public static String quote(String value) {
        if (value == null) {
            return "null";
        }
        var out = new StringBuilder("'");
        value.codePoints().limit(MAX_QUOTED).forEach(c -> {
            if (Character.isISOControl(c)) {
                out.append(String.format("\\u%04x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        if (value.codePointCount(0, value.length()) > MAX_QUOTED) {
            out.append('…');
        }
        return out.append('\'').toString();
    }
}
