package org.deepdefense.data;

/** Conversion of the unsigned-byte pixels both binary formats store. */
final class UnsignedBytes {

    private UnsignedBytes() {}

    static void toFloats(byte[] source, int sourceOffset, float[] target, int targetOffset, int length) {
        for (int i = 0; i < length; i++) {
            target[targetOffset + i] = source[sourceOffset + i] & 0xFF;
        }
    }
}
