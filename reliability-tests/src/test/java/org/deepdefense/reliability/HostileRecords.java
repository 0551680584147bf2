package org.deepdefense.reliability;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Predicate;

/**
 * Generated and mutated records for one topic, from a valid record of that topic: random bytes, truncated, deeply
 * nested, huge numbers, wrong types, very long strings, unknown and missing fields, duplicate keys, store keys that
 * lead out of the store, other message types. Every record is checked against the contract before it is handed out,
 * and kept only if the contract refuses it, so that each one must end in the dead-letter topic.
 */
final class HostileRecords {
    /** Appended to long strings, far from their start: a log line holding it would hold a whole payload. */
    static final String MARKER = "payload-end-marker-7f3c";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> HUGE_NUMBERS = List.of("1e400", "-1e400", "123456789012345678901234567890",
            "9".repeat(80), "-9223372036854775809", "2147483648", "4.9e-400", "-0.0", "1e-400");
    private static final List<String> ESCAPES = List.of("../../../etc/passwd", "/etc/passwd", "%2e%2e/%2e%2e/x",
            "run/../../x", "run\\..\\x", "run/\u0000x", "C:/Windows", "run/%2fx", "..", "run//final");
    private static final List<String> WRONG_TYPES = List.of("\"text\"", "[]", "{}", "true", "null", "[1, 2]",
            "{\"nested\": {}}", "-1", "0.5");

    private final Random random;
    private final ObjectNode template;
    private final List<ObjectNode> others;
    private final Predicate<byte[]> refused;

    /**
     * @param template a valid record of the topic
     * @param others   valid records of other topics, sent as the wrong message type
     * @param refused  whether the topic's contract refuses a record (parses it and catches the failure)
     */
    HostileRecords(long seed, String template, List<String> others, Predicate<byte[]> refused) throws Exception {
        this.random = new Random(seed);
        this.template = (ObjectNode) JSON.readTree(template);
        this.others = new ArrayList<>();
        for (String other : others) {
            this.others.add((ObjectNode) JSON.readTree(other));
        }
        this.refused = refused;
    }

    /** {@code count} refused records, with their keys. */
    List<Kafka.Record> next(int count) throws Exception {
        List<Kafka.Record> records = new ArrayList<>(count);
        while (records.size() < count) {
            byte[] value = candidate();
            if (value == null || refused.test(value)) {
                records.add(new Kafka.Record(key(), value));
            }
        }
        return records;
    }

    private byte[] candidate() throws Exception {
        return switch (random.nextInt(14)) {
            case 0 -> bytes(random.nextInt(100) == 0 ? 200_000 : random.nextInt(2000));
            case 1 -> random.nextInt(10) == 0 ? null : new byte[0];
            case 2 -> truncated();
            case 3 -> nested();
            case 4 -> replaceLeaf(HUGE_NUMBERS.get(random.nextInt(HUGE_NUMBERS.size())));
            case 5 -> replaceLeaf(WRONG_TYPES.get(random.nextInt(WRONG_TYPES.size())));
            case 6 -> replaceLeaf(JSON.writeValueAsString(longString()));
            case 7 -> withField("unknown" + random.nextInt(1000), JSON.writeValueAsString(longString()));
            case 8 -> withoutField();
            case 9 -> replaceLeaf(JSON.writeValueAsString(ESCAPES.get(random.nextInt(ESCAPES.size()))));
            case 10 -> JSON.writeValueAsBytes(others.get(random.nextInt(others.size())));
            case 11 -> duplicateKey();
            case 12 -> utf8(List.of("[]", "\"text\"", "42", "null", "true", "{", "}", "{}", "{\"schemaVersion\": 1}",
                    "\uFEFF{}", "{\"schemaVersion\": 1}{}").get(random.nextInt(11)));
            default -> invalidUtf8();
        };
    }

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private byte[] truncated() throws Exception {
        byte[] whole = JSON.writeValueAsBytes(template);
        return java.util.Arrays.copyOf(whole, random.nextInt(whole.length));
    }

    private byte[] nested() {
        int depth = 17 + random.nextInt(random.nextBoolean() ? 100 : 50_000);
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        return utf8("{\"schemaVersion\": 1, \"x\": " + open.repeat(depth) + (arrays ? "" : "1") + close.repeat(depth)
                + "}");
    }

    /** The template with one leaf (a value that is not an object or array, at any depth) replaced by raw JSON. */
    private byte[] replaceLeaf(String rawJson) throws Exception {
        ObjectNode copy = template.deepCopy();
        List<ObjectNode> parents = new ArrayList<>();
        List<String> names = new ArrayList<>();
        collectLeaves(copy, parents, names);
        int i = random.nextInt(parents.size());
        parents.get(i).set(names.get(i), JSON.readTree(rawJson));
        return JSON.writeValueAsBytes(copy);
    }

    private static void collectLeaves(ObjectNode node, List<ObjectNode> parents, List<String> names) {
        node.properties().forEach(field -> {
            if (field.getValue() instanceof ObjectNode child) {
                collectLeaves(child, parents, names);
            }
            parents.add(node);
            names.add(field.getKey());
        });
    }

    private byte[] withField(String name, String rawJson) throws Exception {
        ObjectNode copy = template.deepCopy();
        copy.set(name, JSON.readTree(rawJson));
        return JSON.writeValueAsBytes(copy);
    }

    private byte[] withoutField() throws Exception {
        ObjectNode copy = template.deepCopy();
        List<String> names = new ArrayList<>();
        copy.fieldNames().forEachRemaining(names::add);
        copy.remove(names.get(random.nextInt(names.size())));
        return JSON.writeValueAsBytes(copy);
    }

    private byte[] duplicateKey() throws Exception {
        return utf8("{\"schemaVersion\": 1, " + JSON.writeValueAsString(template).substring(1));
    }

    private byte[] invalidUtf8() throws Exception {
        byte[] json = JSON.writeValueAsBytes(template);
        int at = 1 + random.nextInt(json.length - 2);
        json[at] = (byte) (0x80 + random.nextInt(0x40)); // a continuation byte without a lead byte
        return json;
    }

    /** Up to 400,000 characters (the contract allows 128 KiB strings), the marker at the end. */
    private String longString() {
        int length = random.nextInt(10) == 0 ? 150_000 + random.nextInt(250_000) : 1000 + random.nextInt(9000);
        StringBuilder text = new StringBuilder(length + MARKER.length());
        for (int i = 0; i < length; i++) {
            text.append((char) ('a' + random.nextInt(26)));
        }
        return text.append(MARKER).toString();
    }

    /** Kafka keys: none, ordinary, long, or with control characters. */
    private String key() {
        return switch (random.nextInt(4)) {
            case 0 -> null;
            case 1 -> "fuzz-" + random.nextInt(1_000_000);
            case 2 -> "k".repeat(10_000 + random.nextInt(10_000));
            default -> "fuzz\u0000\n\u001b[31m" + random.nextInt(100);
        };
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
