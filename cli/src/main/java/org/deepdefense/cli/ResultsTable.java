package org.deepdefense.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.train.Stabilisers;

/** The Markdown table of a comparison, one row per method, then how each row was made. */
final class ResultsTable {
    private ResultsTable() {}

    static String markdown(List<CompareCommand.Row> rows) {
        RobustnessReport first = rows.get(0).report();
        Double vanillaRho2 = rows.stream().filter(r -> r.method().equals("vanilla")).findFirst()
                .map(r -> r.report().rho2()).orElse(null);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "ε_ref = %.4g (%s); %s; input space: %s.%n%n", first.epsRef(),
                first.epsRefSource(), rows.get(0).evaluatedOn(), first.space()));
        s.append("| method | clean acc. | ρ₂ (5 it.) | ρ₂ (50 it.) | ρ₂ / vanilla | FGS 0.2·ε_ref | FGS 0.5·ε_ref "
                + "| FGS 1.0·ε_ref | PGD-L∞ " + header(first.pgdAccuracy()) + " | PGD-L2 " + header(first.pgdL2Accuracy())
                + " | C&W-L2 median | epochs | lr schedule | stabilisers fired (run) | train | eval |\n");
        s.append("|---".repeat(16)).append("|\n");
        for (CompareCommand.Row row : rows) {
            RobustnessReport r = row.report();
            s.append(String.format(Locale.ROOT,
                    "| %s | %s | %.3e | %.3e | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s | %s | %s |%n",
                    row.method(),
                    percent(r.cleanAccuracy()), r.rho2ShortCap(), r.rho2(),
                    vanillaRho2 == null ? "–" : String.format(Locale.ROOT, "%.2f×", r.rho2() / vanillaRho2),
                    percent(r.fgsAccuracy().get("0.2")), percent(r.fgsAccuracy().get("0.5")),
                    percent(r.fgsAccuracy().get("1.0")), percents(r.pgdAccuracy()), percents(r.pgdL2Accuracy()),
                    r.cwMedianRatio() == null ? "–" : String.format(Locale.ROOT, "%.3e (%d)", r.cwMedianRatio(),
                            r.cwSamples()),
                    row.epochs(), row.lrSchedule() == null ? "–" : row.lrSchedule(),
                    row.stabilisers() == null ? "–" : Stabilisers.fromMap(row.stabilisers()).describe(),
                    row.trainSeconds() == null ? "resumed" : ProgressPrinter.duration(row.trainSeconds()),
                    ProgressPrinter.duration(row.evaluationSeconds())));
        }
        s.append("\nHow each row was made (seed, checkpoint, command):\n\n");
        for (CompareCommand.Row row : rows) {
            s.append(String.format(Locale.ROOT, "- **%s** (seed %d): `%s` (sha256 `%.12s…`)%n", row.method(),
                    row.seed(), row.checkpoint(), row.sha256()));
            for (String command : row.commands()) {
                s.append("  - `").append(command).append("`\n");
            }
        }
        return s.toString();
    }

    /** "@ ε₁ / ε₂" of a by-ε map (absolute ε in the preprocessed space). */
    private static String header(Map<String, Double> byEpsilon) {
        return "@ " + String.join(" / ", byEpsilon.keySet().stream()
                .map(e -> String.format(Locale.ROOT, "%.3g", Double.parseDouble(e))).toList());
    }

    private static String percents(Map<String, Double> byEpsilon) {
        return String.join(" / ", byEpsilon.values().stream().map(ResultsTable::percent).toList());
    }

    private static String percent(Double value) {
        return value == null ? "–" : String.format(Locale.ROOT, "%.2f %%", 100 * value);
    }
}
