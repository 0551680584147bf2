package org.deepdefense.messages;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Asks for a family of training runs from one base checkpoint, keyed by {@code sweepId}: for each method grid every
 * combination of its strength values, times every epoch count, times every seed. {@link #expand()} turns it into
 * the training requests, one per point, in a fixed order and with run ids derived from the sweep id and the point
 * ({@code <sweepId>-deepdefense-l15-c25-d5-e5-s1}), so that expanding a sweep twice asks for the same runs.
 *
 * @param datasetRoot     for {@code imagefolder} (and only then), as in {@link TrainingRequest}
 * @param hyperparameters the recipe every point shares; a point replaces its epochs and strength parameters.
 *                        null means {@link Hyperparameters#DEFAULTS}
 * @param epochs          epoch counts to try; null means the recipe's
 * @param attacks         as in {@link TrainingRequest}; null means {@link TrainingRequest#DEFAULT_ATTACKS}
 */
public record SweepRequest(
        int schemaVersion,
        String sweepId,
        String dataset,
        String datasetRoot,
        String architecture,
        String baseCheckpoint,
        String baseCheckpointSha256,
        Hyperparameters hyperparameters,
        List<MethodGrid> methods,
        List<Long> seeds,
        List<Integer> epochs,
        List<String> attacks,
        Integer trainSubset,
        Integer testSubset) implements Message {

    public static final int MAX_METHODS = 16;
    /** The most points any sweep may have; a service may allow fewer (deepdefense.sweep.max-points). */
    public static final int MAX_POINTS = 1000;

    public SweepRequest {
        Check.schemaVersion(schemaVersion);
        Check.id("sweepId", sweepId);
        Check.oneOf("dataset", dataset, Messages.DATASETS);
        Check.datasetRoot(dataset, datasetRoot);
        Check.oneOf("architecture", architecture, Messages.ARCHITECTURES);
        Check.baseCheckpoint(baseCheckpoint, baseCheckpointSha256);
        hyperparameters = hyperparameters != null ? hyperparameters : Hyperparameters.DEFAULTS;
        methods = Check.distinct("methods", methods, MAX_METHODS);
        seeds = Check.distinct("seeds", seeds, MethodGrid.MAX_VALUES);
        epochs = epochs != null ? Check.distinct("epochs", epochs, MethodGrid.MAX_VALUES)
                : List.of(hyperparameters.epochs());
        for (int i = 0; i < epochs.size(); i++) {
            Check.inRange("epochs[" + i + "]", epochs.get(i), 1, Hyperparameters.MAX_EPOCHS);
        }
        attacks = attacks != null ? Check.distinctOf("attacks", attacks, Messages.ATTACKS)
                : TrainingRequest.DEFAULT_ATTACKS;
        Check.subset("trainSubset", trainSubset);
        Check.subset("testSubset", testSubset);
        long points = points(methods, seeds, epochs);
        if (points > MAX_POINTS) {
            throw Check.fail("%s, more than the limit of %d", count(methods, seeds, epochs), MAX_POINTS);
        }
        expand(sweepId, dataset, datasetRoot, architecture, baseCheckpoint, baseCheckpointSha256, hyperparameters,
                methods, seeds, epochs, attacks, trainSubset, testSubset);
    }

    /** How many training runs this sweep asks for. */
    public long pointCount() {
        return points(methods, seeds, epochs);
    }

    /** How the point count comes about, for a reason: "(6 + 4) combinations × 1 epoch counts × 3 seeds = 30 points". */
    public String pointCountExplained() {
        return count(methods, seeds, epochs);
    }

    /** One training request per point, in sweep order, each carrying this sweep's id. */
    public List<TrainingRequest> expand() {
        return expand(sweepId, dataset, datasetRoot, architecture, baseCheckpoint, baseCheckpointSha256,
                hyperparameters, methods, seeds, epochs, attacks, trainSubset, testSubset);
    }

    private static long points(List<MethodGrid> methods, List<Long> seeds, List<Integer> epochs) {
        return methods.stream().mapToLong(MethodGrid::combinations).sum() * epochs.size() * seeds.size();
    }

    private static String count(List<MethodGrid> methods, List<Long> seeds, List<Integer> epochs) {
        String combinations = methods.stream().map(m -> Long.toString(m.combinations()))
                .collect(Collectors.joining(" + ", "(", ")"));
        return String.format("%s combinations × %d epoch counts × %d seeds = %d points", combinations, epochs.size(),
                seeds.size(), points(methods, seeds, epochs));
    }

    private static List<TrainingRequest> expand(String sweepId, String dataset, String datasetRoot,
            String architecture, String base, String baseSha256, Hyperparameters recipe, List<MethodGrid> methods,
            List<Long> seeds, List<Integer> epochs, List<String> attacks, Integer trainSubset, Integer testSubset) {
        List<TrainingRequest> requests = new ArrayList<>();
        Map<String, Integer> firstGrid = new HashMap<>();
        for (int g = 0; g < methods.size(); g++) {
            MethodGrid grid = methods.get(g);
            for (Map<String, Double> strength : combinations(grid, recipe)) {
                for (int epochCount : epochs) {
                    for (long seed : seeds) {
                        String runId = runId(sweepId, grid.method(), strength, epochCount, seed);
                        Integer earlier = firstGrid.putIfAbsent(runId, g);
                        if (earlier != null) {
                            throw Check.fail("methods[%d] repeats point %s of methods[%d]", g, runId, earlier);
                        }
                        Map<String, Object> values = new LinkedHashMap<>(strength);
                        values.put("epochs", epochCount);
                        requests.add(new TrainingRequest(Messages.SCHEMA_VERSION, runId, dataset, datasetRoot,
                                architecture, grid.method(), base, baseSha256, Messages.withValues(recipe, values),
                                seed, attacks, trainSubset, testSubset, sweepId));
                    }
                }
            }
        }
        return requests;
    }

    /** Every combination of the grid's values, the first strength parameter varying slowest. */
    private static List<Map<String, Double>> combinations(MethodGrid grid, Hyperparameters recipe) {
        List<Map<String, Double>> combinations = List.of(new LinkedHashMap<>());
        for (Map.Entry<String, Double> base : StrengthParameter.valuesOf(grid.method(), recipe).entrySet()) {
            List<Double> values = grid.parameters().getOrDefault(base.getKey(), List.of(base.getValue()));
            List<Map<String, Double>> longer = new ArrayList<>();
            for (Map<String, Double> combination : combinations) {
                for (double value : values) {
                    Map<String, Double> next = new LinkedHashMap<>(combination);
                    next.put(base.getKey(), value);
                    longer.add(next);
                }
            }
            combinations = longer;
        }
        return combinations;
    }

    private static String runId(String sweepId, String method, Map<String, Double> strength, int epochs, long seed) {
        StringBuilder id = new StringBuilder(sweepId).append('-').append(method);
        for (StrengthParameter parameter : StrengthParameter.of(method)) {
            id.append('-').append(parameter.tag()).append(plain(strength.get(parameter.field())));
        }
        String runId = id.append("-e").append(epochs).append("-s").append(seed).toString();
        try {
            return Check.id("runId", runId);
        } catch (InvalidMessageException e) {
            throw Check.fail("sweepId %s is too long for its points: point run id %s has %d characters, at most 64"
                    + " are allowed", Check.quote(sweepId), Check.quote(runId), runId.length());
        }
    }

    /** 15 for 15.0, 0.0003 for 3e-4: digits, '.' and '-' only, as a run id allows. */
    private static String plain(double value) {
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
