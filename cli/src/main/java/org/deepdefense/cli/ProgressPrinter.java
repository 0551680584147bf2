package org.deepdefense.cli;

import java.util.Locale;

/** Prints progress lines with an ETA to stderr, at most about once a second. */
final class ProgressPrinter {
    private long lastPrint;

    static String duration(double seconds) {
        if (!Double.isFinite(seconds)) {
            return "?";
        }
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s / 60 % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }

    void print(String line, boolean force) {
        long now = System.nanoTime();
        if (force || now - lastPrint > 1_000_000_000L) {
            lastPrint = now;
            System.err.println(line);
        }
    }

    /** A progress callback for long evaluations, with an ETA per phase. */
    org.deepdefense.metrics.Progress evaluation() {
        long begun = System.nanoTime();
        String[] phase = {""};
        long[] phaseStart = {begun};
        return (name, done, total) -> {
            if (!name.equals(phase[0])) {
                phase[0] = name;
                phaseStart[0] = System.nanoTime();
            }
            double elapsed = (System.nanoTime() - phaseStart[0]) / 1e9;
            double eta = done == 0 ? Double.NaN : elapsed / done * (total - done);
            print(String.format(Locale.ROOT, "  %-22s %6d/%-6d  ETA %s", name, done, total, duration(eta)),
                    done == total);
        };
    }
}
