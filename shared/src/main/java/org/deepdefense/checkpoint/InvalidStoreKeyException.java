package org.deepdefense.checkpoint;

/** A checkpoint store key (or run id) that could name something outside the store, or is malformed. */
public class InvalidStoreKeyException extends IllegalArgumentException {

    public InvalidStoreKeyException(String key, String reason) {
        super("invalid store key " + printable(key) + ": " + reason);
    }

    /** Keys come from messages; escape control characters so they cannot forge log lines. */
    private static String printable(String key) {
        if (key == null) {
            return "null";
        }
        StringBuilder quoted = new StringBuilder("'");
        key.codePoints().forEach(c -> {
            if (Character.isISOControl(c)) {
                quoted.append(String.format("\\u%04x", c));
            } else {
                quoted.appendCodePoint(c);
            }
        });
        return quoted.append('\'').toString();
    }
}
