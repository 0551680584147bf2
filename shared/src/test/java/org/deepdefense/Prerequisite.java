package org.deepdefense;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/** Something a test needs from the machine (a dataset, numpy); ./run-tests installs all of them. */
public final class Prerequisite {
    private Prerequisite() {}

    /** Skips the test when {@code present} is false, or fails it under CI, where a skip would hide a broken install. */
    public static void require(boolean present, String missing) {
        if (!present && "true".equals(System.getenv("CI"))) {
            Assertions.fail(missing + " under CI: ./run-tests installs it");
        }
        Assumptions.assumeTrue(present, missing + " (./run-tests installs it)");
    }
}
