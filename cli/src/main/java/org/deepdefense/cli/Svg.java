package org.deepdefense.cli;

import java.util.List;
import java.util.Locale;

/** The pieces the command line's SVG pictures share: a white page with a title, a legend, colours, escaping. */
final class Svg {
    static final String[] COLOURS = {"#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private Svg() {}

    /** An open {@code <svg>} element of this size on white, with the title at the top left. */
    static StringBuilder page(int width, int height, int left, String title) {
        return new StringBuilder(String.format(Locale.ROOT,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" "
                        + "font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n"
                        + "<text x=\"%d\" y=\"20\" font-size=\"14\">%s</text>%n", width, height, left, escape(title)));
    }

    /** A line of colour i and its label for each label, from (x, top) down. */
    static void legend(StringBuilder s, int x, int top, List<String> labels) {
        for (int i = 0; i < labels.size(); i++) {
            int y = top + 20 * i;
            s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" "
                    + "stroke-width=\"2\"/><text x=\"%d\" y=\"%d\">%s</text>%n", x, y, x + 25, y, colour(i), x + 30,
                    y + 4, escape(labels.get(i))));
        }
    }

    /** A square panel's frame with its title above it. */
    static void frame(StringBuilder s, int left, int top, int size, String title) {
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"13\">%s</text>%n", left, top - 8,
                escape(title)));
        s.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                + "stroke=\"#444\"/>%n", left, top, size, size));
    }

    static String colour(int i) {
        return COLOURS[i % COLOURS.length];
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
