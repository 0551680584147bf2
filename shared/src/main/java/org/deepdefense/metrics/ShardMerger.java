package org.deepdefense.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Merges the {@link ShardEvaluator} measurements of one attack over all shards of a test set into that attack's
 * values: {@code cleanAccuracy}, {@code rho2}, {@code unconverged}, {@code meanIterations} (DeepFool);
 * {@code epsRef} and {@code acc_0.2/0.5/1.0} (FGS); {@code acc_<ε>} (PGD). Shards are added in index order, so
 * the floating-point sums do not depend on which replica did which shard or when it arrived.
 */
public final class ShardMerger {
    /** The accuracy at which FGS ε_ref is taken: half the test set fooled. */
    public static final double EPS_REF_ACCURACY = 0.5;

    /** One shard's measurement over the images {@code [from, to)}. */
    public record Part(int from, int to, ShardEvaluator.Measurement measurement) {}

    private ShardMerger() {
    }

    /** @throws IllegalArgumentException if the parts do not tile {@code [0, n)} exactly */
    public static Map<String, Double> merge(String attack, List<Part> parts, FgsGrid grid) {
        List<Part> ordered = new ArrayList<>(parts);
        ordered.sort(Comparator.comparingInt(Part::from));
        int samples = 0;
        for (Part part : ordered) {
            if (part.from() != samples) {
                throw new IllegalArgumentException(attack + " shards do not tile the test set: expected one from "
                        + samples + ", got [" + part.from() + ", " + part.to() + ")");
            }
            samples = part.to();
        }
        if (samples == 0) {
            throw new IllegalArgumentException("no " + attack + " shards to merge");
        }
        Map<String, Double> sums = new LinkedHashMap<>();
        for (Part part : ordered) {
            part.measurement().values().forEach((name, value) -> sums.merge(name, value, Double::sum));
        }
        Map<String, Double> merged = new LinkedHashMap<>();
        switch (attack) {
            case "deepfool" -> {
                merged.put("cleanAccuracy", sums.get(ShardEvaluator.CORRECT) / samples);
                merged.put("rho2", sums.get(ShardEvaluator.RATIO_SUM) / samples);
                merged.put("unconverged", sums.get(ShardEvaluator.UNCONVERGED));
                merged.put("meanIterations", sums.get(ShardEvaluator.ITERATIONS) / samples);
            }
            case "fgs" -> {
                long[] correct = new long[FgsGrid.RATIOS.length * grid.size()];
                for (Part part : ordered) {
                    long[] counts = part.measurement().fgsCorrect();
                    if (counts.length != correct.length) {
                        throw new IllegalArgumentException("fgs shard [" + part.from() + ", " + part.to() + ") has "
                                + counts.length + " grid counts, expected " + correct.length);
                    }
                    for (int i = 0; i < correct.length; i++) {
                        correct[i] += counts[i];
                    }
                }
                long clean = Math.round(sums.get(ShardEvaluator.CORRECT));
                merged.put("cleanAccuracy", clean / (double) samples);
                FgsGrid.Result result = grid.epsRef(clean, correct, samples, EPS_REF_ACCURACY);
                if (result.epsRef() != null) {
                    merged.put("epsRef", result.epsRef());
                    result.accuracyByRatio().forEach((ratio, accuracy) -> merged.put("acc_" + ratio, accuracy));
                }
            }
            case "pgd-linf" -> {
                int total = samples;
                sums.forEach((name, correct) -> merged.put(
                        "acc_" + name.substring(ShardEvaluator.CORRECT_AT.length()), correct / total));
            }
            default -> throw new IllegalArgumentException("unknown attack '" + attack + "'");
        }
        return merged;
    }

    /**
     * Checks that one shard's measurement holds what {@link #merge} reads for its attack, so that a bad shard is
     * refused on its own rather than when its checkpoint completes.
     *
     * @throws IllegalArgumentException naming what is missing
     */
    public static void requireComplete(String attack, ShardEvaluator.Measurement measurement, FgsGrid grid,
            double[] pgdEpsilons) {
        List<String> names = switch (attack) {
            case "deepfool" -> List.of(ShardEvaluator.CORRECT, ShardEvaluator.RATIO_SUM, ShardEvaluator.UNCONVERGED,
                    ShardEvaluator.ITERATIONS);
            case "fgs" -> List.of(ShardEvaluator.CORRECT);
            case "pgd-linf" -> Arrays.stream(pgdEpsilons).mapToObj(eps -> ShardEvaluator.CORRECT_AT + eps)
                    .toList();
            default -> throw new IllegalArgumentException("unknown attack '" + attack + "'");
        };
        for (String name : names) {
            if (!measurement.values().containsKey(name)) {
                throw new IllegalArgumentException(attack + " shard lacks values." + name);
            }
        }
        int expected = attack.equals("fgs") ? FgsGrid.RATIOS.length * grid.size() : 0;
        if (measurement.fgsCorrect().length != expected) {
            throw new IllegalArgumentException(attack + " shard has " + measurement.fgsCorrect().length
                    + " FGS grid counts, expected " + expected);
        }
    }

    /** {@code [from, to)} ranges of {@code shardSize} images (the last may be shorter) covering {@code samples}. */
    public static List<int[]> ranges(int samples, int shardSize) {
        if (samples < 1 || shardSize < 1) {
            throw new IllegalArgumentException("need samples >= 1 and shard size >= 1, got " + samples + ", "
                    + shardSize);
        }
        List<int[]> ranges = new ArrayList<>();
        for (int from = 0; from < samples; from += shardSize) {
            ranges.add(new int[] {from, Math.min(samples, from + shardSize)});
        }
        return ranges;
    }
}
