package org.deepdefense.metrics;

/** Receives progress of long evaluations, e.g. to print it with an ETA. */
@FunctionalInterface
public interface Progress {
    Progress NONE = (phase, done, total) -> {};

    /** {@code done} of {@code total} units of {@code phase} are finished. */
    void update(String phase, long done, long total);
}
