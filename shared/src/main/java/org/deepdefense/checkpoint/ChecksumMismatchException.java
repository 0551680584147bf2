package org.deepdefense.checkpoint;

import java.io.IOException;

/** The params file of a checkpoint does not have the SHA-256 it was published with. */
public class ChecksumMismatchException extends IOException {

    private final String key;
    private final String expectedSha256;
    private final String actualSha256;

    public ChecksumMismatchException(String key, String expectedSha256, String actualSha256) {
        super("checkpoint '" + key + "': params sha256 is " + actualSha256 + ", expected " + expectedSha256);
        this.key = key;
        this.expectedSha256 = expectedSha256;
        this.actualSha256 = actualSha256;
    }

    public String key() {
        return key;
    }

    public String expectedSha256() {
        return expectedSha256;
    }

    public String actualSha256() {
        return actualSha256;
    }
}
