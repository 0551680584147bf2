package org.deepdefense.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The robustness–accuracy frontier of a sweep as SVG: clean accuracy on x, ρ₂ (left) and robust accuracy at the
 * smallest L∞ budget (right) on y, one line per method through its points in order of clean accuracy. A sweep whose
 * suite has no L∞ attack (ρ₂ only, say) shows robust accuracy at its smallest L2 budget instead.
 */
final class SweepFrontier {
    private static final int PANEL = 360;
    private static final int MARGIN = 60;
    private static final int TICKS = 4;

    /** One run of the frontier. */
    record Point(String runId, double cleanAccuracy, double rho2, double robustAccuracy) {}

    private SweepFrontier() {}

    /** Where the frontier's robust accuracy is read: a norm ("linf", "l2") and a budget under it. */
    record Budget(String norm, String epsilon) {
        String label() {
            return (norm.equals("linf") ? "L∞" : "L2") + " ε = " + epsilon;
        }
    }

    /**
     * The smallest L∞ budget every point was attacked at, or where no L∞ attack ran on every point, the smallest
     * such L2 budget: a norm no attack worked in would only repeat the clean accuracy.
     */
    static Budget budget(List<SweepCommand.PointResult> results) {
        for (String norm : List.of("linf", "l2")) {
            // Read from the attacks, not from robustAccuracy's keys: reports written before ac316ec list robust
            // accuracy for every norm (docs/results/sweeps/fm-lenet-validation is such a sweep).
            boolean attackedEverywhere = results.stream().allMatch(r -> r.row().report().attacks().stream()
                    .anyMatch(attack -> attack.norm().equals(norm)));
            if (!attackedEverywhere) {
                continue;
            }
            var common = results.stream()
                    .map(r -> r.row().report().robustAccuracy().getOrDefault(norm, Map.of()).keySet())
                    .reduce((a, b) -> a.stream().filter(b::contains).collect(java.util.stream.Collectors.toSet()))
                    .flatMap(budgets -> budgets.stream().min(Comparator.comparingDouble(Double::parseDouble)));
            if (common.isPresent()) {
                return new Budget(norm, common.get());
            }
        }
        throw new IllegalArgumentException("the points share no budget that an attack of their suite ran at");
    }

    /** Each method's points, methods in order of first appearance, points by increasing clean accuracy. */
    static Map<String, List<Point>> lines(List<SweepCommand.PointResult> results, Budget budget) {
        Map<String, List<Point>> lines = new LinkedHashMap<>();
        for (SweepCommand.PointResult result : results) {
            var report = result.row().report();
            lines.computeIfAbsent(result.method(), m -> new ArrayList<>()).add(new Point(result.runId(),
                    report.cleanAccuracy(), report.rho2(),
                    report.robustAccuracy().get(budget.norm()).get(budget.epsilon())));
        }
        lines.values().forEach(points -> points.sort(Comparator.comparingDouble(Point::cleanAccuracy)));
        return lines;
    }

    static String svg(List<SweepCommand.PointResult> results, String title) {
        Budget budget = budget(results);
        Map<String, List<Point>> lines = lines(results, budget);
        List<Point> all = lines.values().stream().flatMap(List::stream).toList();
        Range x = Range.of(all, Point::cleanAccuracy, false);
        StringBuilder s = Svg.page(2 * (PANEL + MARGIN) + MARGIN + 150, PANEL + 2 * MARGIN + 20, MARGIN, title);
        panel(s, lines, MARGIN, "ρ₂ (DeepFool)", x, Range.of(all, Point::rho2, true), Point::rho2, "%.3g");
        panel(s, lines, 2 * MARGIN + PANEL, "robust accuracy, " + budget.label(), x,
                Range.of(all, Point::robustAccuracy, true), Point::robustAccuracy, "%.0f%%");
        Svg.legend(s, 2 * (PANEL + MARGIN) + 20, MARGIN + 20, List.copyOf(lines.keySet()));
        return s.append("</svg>\n").toString();
    }

    /** An axis from {@code min} to {@code max}; a single value gets a little room either side. */
    private record Range(double min, double max) {
        static Range of(List<Point> points, ToDoubleFunction<Point> value, boolean fromZero) {
            double low = points.stream().mapToDouble(value).min().orElse(0);
            double high = points.stream().mapToDouble(value).max().orElse(1);
            double pad = Math.max((high - low) * 0.05, 1e-3);
            return new Range(fromZero ? 0 : low - pad, high + pad);
        }

        double at(double v) {
            return (v - min) / (max - min);
        }
    }

    private static void panel(StringBuilder s, Map<String, List<Point>> lines, int left, String yTitle, Range x,
            Range y, ToDoubleFunction<Point> value, String yFormat) {
        int top = MARGIN;
        Svg.frame(s, left, top, PANEL, yTitle + " against clean accuracy");
        boolean percent = yFormat.endsWith("%%");
        for (int tick = 0; tick <= TICKS; tick++) {
            double f = (double) tick / TICKS;
            int px = left + (int) Math.round(f * PANEL);
            int py = top + PANEL - (int) Math.round(f * PANEL);
            double yValue = y.min + f * (y.max - y.min);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>%n", left, py, left + PANEL, py, left - 4,
                    py + 4, String.format(Locale.ROOT, yFormat, percent ? 100 * yValue : yValue)));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.1f%%</text>%n", px,
                    top + PANEL + 16, 100 * (x.min + f * (x.max - x.min))));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">clean accuracy</text>%n",
                left + PANEL / 2, top + PANEL + 34));
        int colour = 0;
        for (List<Point> points : lines.values()) {
            StringBuilder line = new StringBuilder();
            for (Point p : points) {
                double px = left + x.at(p.cleanAccuracy()) * PANEL;
                double py = top + (1 - y.at(value.applyAsDouble(p))) * PANEL;
                line.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"><title>%s"
                        + "</title></circle>%n", px, py, Svg.colour(colour), Svg.escape(p.runId())));
            }
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", Svg.colour(colour++), line.toString().trim()));
        }
    }
}
