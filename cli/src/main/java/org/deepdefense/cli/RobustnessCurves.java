package org.deepdefense.cli;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** An SVG picture of accuracy against ε under the paper's FGS and robust accuracy (whole L∞ suite), one line per method. */
final class RobustnessCurves {
    private static final int PANEL = 360;
    private static final int MARGIN = 50;

    private RobustnessCurves() {}

    static String svg(List<CompareCommand.Row> rows, String title) {
        double epsRef = rows.get(0).report().epsRef();
        int width = 2 * (PANEL + MARGIN) + MARGIN + 130;
        int height = PANEL + 2 * MARGIN + 20;
        StringBuilder s = Svg.page(width, height, MARGIN, title);
        panel(s, rows, MARGIN, "FGS", epsRef, true);
        panel(s, rows, 2 * MARGIN + PANEL, "robust accuracy, L∞ suite", epsRef, false);
        Svg.legend(s, 2 * (PANEL + MARGIN) + 20, MARGIN + 20, rows.stream().map(CompareCommand.Row::method).toList());
        return s.append("</svg>\n").toString();
    }

    private static void panel(StringBuilder s, List<CompareCommand.Row> rows, int left, String attack, double epsRef,
            boolean fgs) {
        int top = MARGIN;
        Svg.frame(s, left, top, PANEL, attack);
        for (int tick = 0; tick <= 10; tick += 2) {
            double value = tick / 10.0;
            int x = left + (int) Math.round(value * PANEL);
            int y = top + PANEL - (int) Math.round(value * PANEL);
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#ddd\"/>"
                    + "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%d%%</text>%n", left, y, left + PANEL, y, left - 4,
                    y + 4, tick * 10));
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%.1f</text>%n", x,
                    top + PANEL + 16, value));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">ε / ε_ref "
                + "(ε_ref = %.4g)</text>%n", left + PANEL / 2, top + PANEL + 34, epsRef));
        for (int i = 0; i < rows.size(); i++) {
            Map<String, Double> curve = fgs ? rows.get(i).report().fgsCurve() : robustCurve(rows.get(i).report());
            StringBuilder points = new StringBuilder();
            curve.forEach((eps, accuracy) -> points.append(String.format(Locale.ROOT, "%.1f,%.1f ",
                    left + Math.min(1, Double.parseDouble(eps) / epsRef) * PANEL, top + (1 - accuracy) * PANEL)));
            s.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" "
                    + "points=\"%s\"/>%n", Svg.colour(i), points.toString().trim()));
        }
    }

    /** Robust accuracy of the whole suite by L∞ budget, from the clean accuracy at ε = 0. */
    private static Map<String, Double> robustCurve(org.deepdefense.metrics.RobustnessReport report) {
        Map<String, Double> curve = new java.util.LinkedHashMap<>();
        curve.put("0", report.cleanAccuracy());
        curve.putAll(report.robustAccuracy().getOrDefault("linf", Map.of()));
        return curve;
    }
}
