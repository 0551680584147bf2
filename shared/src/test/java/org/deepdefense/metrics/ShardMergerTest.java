package org.deepdefense.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deepdefense.attack.Pgd;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.GeneratedDataset;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Network;
import org.deepdefense.train.Method;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingConfig;
import org.junit.jupiter.api.Test;

class ShardMergerTest {
    private static final int BATCH = 25;
    private static final FgsGrid GRID = new FgsGrid(Math.pow(2, -6), 20, 4);

    @Test
    void shardsMergeToTheUnsplitEvaluationWhateverTheirOrder() {
        Dataset train = GeneratedDataset.create(300, 1, 28, 28, 10, 1);
        Dataset test = GeneratedDataset.create(110, 1, 28, 28, 10, 2);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        try (NDManager root = NDManager.newBaseManager("PyTorch");
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 4, root);
                Trainer trainer = new Trainer(network, TrainingConfig.defaults(Method.VANILLA).withEpochs(1),
                        preprocessor)) {
            trainer.run(train, new Trainer.Position(0, 0), new Trainer.Listener() {});
            RobustnessEvaluator evaluator = new RobustnessEvaluator(network, preprocessor, BATCH);
            RobustnessEvaluator.Options options = RobustnessEvaluator.Options.defaults().withDeepFoolIterations(10)
                    .withPgd(new double[] {20.0}, 3);
            ShardEvaluator shards = new ShardEvaluator(network, preprocessor, BATCH, options, GRID);

            for (String attack : List.of("deepfool", "fgs", "pgd-linf")) {
                List<ShardMerger.Part> parts = new ArrayList<>();
                for (int[] range : ShardMerger.ranges(test.size(), 2 * BATCH)) {
                    parts.add(new ShardMerger.Part(range[0], range[1],
                            shards.measure(attack, test, range[0], range[1])));
                }
                assertEquals(3, parts.size(), "110 images in shards of 50");
                Map<String, Double> merged = ShardMerger.merge(attack, parts, GRID);
                Collections.shuffle(parts, new Random(3));
                assertEquals(merged, ShardMerger.merge(attack, parts, GRID), "arrival order changes nothing");
                checkAgainstUnsplit(attack, merged, evaluator, options, test);

                assertThrows(IllegalArgumentException.class,
                        () -> ShardMerger.merge(attack, parts.subList(0, 2).stream()
                                .filter(p -> p.from() != 0).toList(), GRID), "a missing first shard");
            }
        }
    }

    private static void checkAgainstUnsplit(String attack, Map<String, Double> merged, RobustnessEvaluator evaluator,
            RobustnessEvaluator.Options options, Dataset test) {
        switch (attack) {
            case "deepfool" -> {
                var whole = evaluator.deepFool(test, options.deepFoolIterations(), options.overshoot(), Progress.NONE);
                assertEquals(evaluator.cleanAccuracy(test), merged.get("cleanAccuracy"));
                // Same batches, only the grouping of one floating-point sum differs.
                assertEquals(whole.rho2(), merged.get("rho2"), 1e-12 * whole.rho2());
                assertEquals(whole.unconverged(), merged.get("unconverged"));
                assertEquals(whole.meanIterations(), merged.get("meanIterations"), 1e-12);
            }
            case "fgs" -> {
                RobustnessEvaluator.FgsSweep sweep = evaluator.fgsSweep(test, Progress.NONE);
                Double epsRef = merged.get("epsRef");
                assertNotNull(epsRef, "the trained model has an eps_ref on the grid");
                double step = Math.pow(2, 1.0 / GRID.perOctave());
                double bisected = sweep.epsRef(0.5, Progress.NONE);
                assertTrue(epsRef >= bisected * 0.999 && epsRef <= bisected * step * 1.001,
                        "grid eps_ref " + epsRef + " is the first grid point at or above the bisection's " + bisected);
                for (double ratio : FgsGrid.RATIOS) {
                    assertEquals(sweep.accuracyAt(ratio * epsRef), merged.get("acc_" + ratio), "ratio " + ratio);
                }
            }
            default -> assertEquals(evaluator.pgdAccuracy(test, Pgd.Norm.LINF, 20.0, 3,
                    Pgd.usualStepFraction(3), options.seed(), Progress.NONE),
                    merged.get("acc_20.0"));
        }
    }
}
