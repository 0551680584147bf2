package org.deepdefense.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.deepdefense.messages.MethodGrid;
import org.deepdefense.messages.SweepRequest;

/**
 * Chooses each method's strength from a validation sweep at matched accuracy: among a method's configurations whose
 * clean accuracy is within {@code tolerance} of the vanilla control's, the one with the highest ρ₂ (seeds of one
 * configuration averaged). A method with no such configuration keeps its most accurate one, and says so. The
 * choice becomes the follow-up sweep: each chosen configuration and the control, over the given seeds, so that the
 * test set is only ever used to measure what the validation split chose.
 */
final class SweepChoice {
    /** One configuration of a method (its strength values and epochs), over the seeds the sweep ran. */
    record Configuration(String method, Map<String, Double> parameters, int epochs, double cleanAccuracy,
            double rho2, int seeds, String firstRunId) {}

    /** @param withinTolerance false when no configuration of the method came close enough to the control */
    record Choice(Configuration configuration, boolean withinTolerance) {}

    private final List<Configuration> configurations;
    private final Configuration control;
    private final double tolerance;

    private SweepChoice(List<Configuration> configurations, Configuration control, double tolerance) {
        this.configurations = configurations;
        this.control = control;
        this.tolerance = tolerance;
    }

    /**
     * @param tolerance in accuracy (0.005 = half a point)
     * @throws Args.UsageException when the sweep has no vanilla control
     */
    static SweepChoice of(List<SweepCommand.PointResult> points, double tolerance) {
        Map<String, List<SweepCommand.PointResult>> byConfiguration = points.stream().collect(Collectors.groupingBy(
                p -> p.method() + p.parameters() + "-e" + p.epochs(), LinkedHashMap::new, Collectors.toList()));
        List<Configuration> configurations = new ArrayList<>();
        byConfiguration.values().forEach(seeds -> {
            SweepCommand.PointResult first = seeds.get(0);
            configurations.add(new Configuration(first.method(), first.parameters(), first.epochs(),
                    seeds.stream().mapToDouble(p -> p.row().report().cleanAccuracy()).average().orElseThrow(),
                    seeds.stream().mapToDouble(p -> p.row().report().rho2()).average().orElseThrow(), seeds.size(),
                    first.runId()));
        });
        Configuration control = configurations.stream().filter(c -> c.method().equals("vanilla")).findFirst()
                .orElseThrow(() -> new Args.UsageException("the sweep has no vanilla point: the control that"
                        + " matched accuracy is measured against"));
        return new SweepChoice(configurations, control, tolerance);
    }

    /** Per method other than the control, in the order the sweep lists them. */
    List<Choice> choices() {
        Map<String, List<Configuration>> byMethod = configurations.stream().filter(c -> c != control)
                .collect(Collectors.groupingBy(Configuration::method, LinkedHashMap::new, Collectors.toList()));
        List<Choice> choices = new ArrayList<>();
        byMethod.values().forEach(candidates -> {
            List<Configuration> close = candidates.stream()
                    .filter(c -> c.cleanAccuracy() >= control.cleanAccuracy() - tolerance).toList();
            choices.add(close.isEmpty()
                    ? new Choice(candidates.stream().max((a, b) -> Double.compare(a.cleanAccuracy(),
                            b.cleanAccuracy())).orElseThrow(), false)
                    : new Choice(close.stream().max((a, b) -> Double.compare(a.rho2(), b.rho2())).orElseThrow(),
                            true));
        });
        return choices;
    }

    String summary() {
        StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                "control %s: clean %.2f %%; chosen within %.2f point of it, highest rho2:%n", control.firstRunId(),
                100 * control.cleanAccuracy(), 100 * tolerance));
        for (Choice choice : choices()) {
            Configuration c = choice.configuration();
            s.append(String.format(Locale.ROOT, "  %-13s %s e%d: clean %.2f %%, rho2 %.4f (%d seed%s)%s%n",
                    c.method(), c.parameters(), c.epochs(), 100 * c.cleanAccuracy(), c.rho2(), c.seeds(),
                    c.seeds() == 1 ? "" : "s", choice.withinTolerance() ? ""
                            : "  [no configuration within tolerance: the most accurate one]"));
        }
        return s.toString();
    }

    /** The sweep that measures the choice: the chosen configurations and the control, over {@code seeds}. */
    /** @param attacks the follow-up's attack suite, checked as a request's are */
    SweepRequest followUp(SweepRequest validation, List<Long> seeds, List<String> attacks) {
        List<Choice> choices = choices();
        if (choices.isEmpty()) {
            throw new Args.UsageException("the results hold only the control " + control.firstRunId()
                    + ": no other method's point has finished, so there is nothing to follow up");
        }
        List<MethodGrid> methods = new ArrayList<>();
        methods.add(new MethodGrid(control.method(), Map.of()));
        for (Choice choice : choices) {
            Map<String, List<Double>> values = new LinkedHashMap<>();
            choice.configuration().parameters().forEach((name, value) -> values.put(name, List.of(value)));
            methods.add(new MethodGrid(choice.configuration().method(), values));
        }
        List<Integer> epochs = choices.stream().map(c -> c.configuration().epochs()).distinct().toList();
        if (epochs.size() != 1 || epochs.get(0) != control.epochs()) {
            throw new Args.UsageException("the chosen configurations and the control ran different epoch counts "
                    + epochs + " and " + control.epochs() + ": one follow-up sweep cannot hold them");
        }
        // The same sweep id: the seeds the validation stage trained are the same runs, resumed, not retrained.
        return new SweepRequest(validation.schemaVersion(), validation.sweepId(), validation.dataset(),
                validation.datasetRoot(), validation.architecture(), validation.baseCheckpoint(),
                validation.baseCheckpointSha256(), validation.hyperparameters(), methods, seeds,
                List.of(control.epochs()), attacks, validation.trainSubset(), null);
    }
}
