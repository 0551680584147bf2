package org.deepdefense.util;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;

/**
 * Per-sample arrays as compact Base64 text for JSON records: flags as a little-endian bitset, numbers as
 * little-endian float64 or int32. Decoding checks the length against the expected count, so a truncated or padded
 * field is refused rather than misread.
 */
public final class PackedArrays {
    private PackedArrays() {}

    public static String flags(boolean[] values) {
        byte[] bytes = new byte[(values.length + 7) / 8];
        for (int i = 0; i < values.length; i++) {
            if (values[i]) {
                bytes[i / 8] |= (byte) (1 << (i % 8));
            }
        }
        return Base64.getEncoder().encodeToString(bytes);
    }

    public static boolean[] flags(String text, int count) {
        byte[] bytes = decode(text, (count + 7) / 8);
        boolean[] values = new boolean[count];
        for (int i = 0; i < count; i++) {
            values[i] = (bytes[i / 8] & (1 << (i % 8))) != 0;
        }
        for (int i = count; i < bytes.length * 8; i++) {
            if ((bytes[i / 8] & (1 << (i % 8))) != 0) {
                throw new IllegalArgumentException("bitset has bits set beyond its " + count + " values");
            }
        }
        return values;
    }

    public static String doubles(double[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double v : values) {
            buffer.putDouble(v);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    public static double[] doubles(String text, int count) {
        ByteBuffer buffer = ByteBuffer.wrap(decode(text, 8L * count)).order(ByteOrder.LITTLE_ENDIAN);
        double[] values = new double[count];
        for (int i = 0; i < count; i++) {
            values[i] = buffer.getDouble();
        }
        return values;
    }

    public static String ints(int[] values) {
        ByteBuffer buffer = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) {
            buffer.putInt(v);
        }
        return Base64.getEncoder().encodeToString(buffer.array());
    }

    public static int[] ints(String text, int count) {
        ByteBuffer buffer = ByteBuffer.wrap(decode(text, 4L * count)).order(ByteOrder.LITTLE_ENDIAN);
        int[] values = new int[count];
        for (int i = 0; i < count; i++) {
            values[i] = buffer.getInt();
        }
        return values;
    }

    private static byte[] decode(String text, long expectedBytes) {
        if (text == null) {
            throw new IllegalArgumentException("missing packed array");
        }
        // Base64 holds 3 bytes in 4 characters: refuse oversized text before decoding it.
        if (text.length() != 4 * ((expectedBytes + 2) / 3)) {
            throw new IllegalArgumentException("packed array of " + text.length() + " characters, expected "
                    + 4 * ((expectedBytes + 2) / 3));
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("packed array is not Base64: " + e.getMessage());
        }
        if (bytes.length != expectedBytes) {
            throw new IllegalArgumentException("packed array of " + bytes.length + " bytes, expected "
                    + expectedBytes);
        }
        return bytes;
    }
}
