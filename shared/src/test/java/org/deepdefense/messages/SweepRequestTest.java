package org.deepdefense.messages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SweepRequestTest {

    @Test
    void expandsEveryCombinationInSweepOrderWithRunIdsFromTheSweepAndThePoint() {
        SweepRequest sweep = Samples.sweep();
        List<TrainingRequest> points = sweep.expand();

        assertEquals(12, sweep.pointCount());
        assertEquals("(4 + 2) combinations × 1 epoch counts × 2 seeds = 12 points", sweep.pointCountExplained());
        assertEquals(List.of(
                "sw-deepdefense-l5-c10-d5-e5-s1", "sw-deepdefense-l5-c10-d5-e5-s2",
                "sw-deepdefense-l5-c25-d5-e5-s1", "sw-deepdefense-l5-c25-d5-e5-s2",
                "sw-deepdefense-l15-c10-d5-e5-s1", "sw-deepdefense-l15-c10-d5-e5-s2",
                "sw-deepdefense-l15-c25-d5-e5-s1", "sw-deepdefense-l15-c25-d5-e5-s2",
                "sw-fgs-adv-eps4-r0.5-e5-s1", "sw-fgs-adv-eps4-r0.5-e5-s2",
                "sw-fgs-adv-eps8-r0.5-e5-s1", "sw-fgs-adv-eps8-r0.5-e5-s2"),
                points.stream().map(TrainingRequest::runId).toList());
        TrainingRequest point = points.get(6);
        assertEquals("deepdefense", point.method());
        assertEquals(Map.of("lambda", 15.0, "c", 25.0, "d", 5.0),
                StrengthParameter.valuesOf(point.method(), point.hyperparameters()));
        assertEquals(1, point.seed());
        assertEquals("sw", point.sweepId());
        assertEquals("base/final", point.baseCheckpoint());
        assertEquals(Samples.SHA, point.baseCheckpointSha256());
        assertEquals(1000, point.trainSubset());
        assertEquals(500, point.testSubset());
        assertEquals(TrainingRequest.DEFAULT_ATTACKS, point.attacks());
        // Everything but the point's own values is the sweep's recipe.
        Hyperparameters recipe = Hyperparameters.DEFAULTS;
        assertEquals(new Hyperparameters(recipe.epochs(), recipe.batchSize(), recipe.learningRate(), recipe.momentum(),
                recipe.weightDecay(), 15, 25, recipe.d(), recipe.deepFoolIterations(), recipe.overshoot(),
                recipe.lrSchedule(), recipe.parsevalBeta(), recipe.adversarialEpsilon(),
                recipe.adversarialRatio()), point.hyperparameters());
        assertEquals(8.0, points.get(10).hyperparameters().adversarialEpsilon());
    }

    @Test
    void anImageFolderSweepGivesEveryPointItsDatasetRoot() {
        SweepRequest sweep = new SweepRequest(1, "folders", "imagefolder", "imagenet/small", "resnet18-cifar", null,
                null, null, List.of(new MethodGrid("vanilla", Map.of())), List.of(1L, 2L), null, null, null, null);
        assertEquals(List.of("imagenet/small", "imagenet/small"),
                sweep.expand().stream().map(TrainingRequest::datasetRoot).toList());
    }

    @Test
    void theSameSweepExpandsToTheSameRequestsEveryTime() {
        SweepRequest parsed = Messages.parseSweepRequest(Messages.toJson(Samples.sweep()));
        assertEquals(Samples.sweep().expand(), parsed.expand());
    }

    @Test
    void epochCountsAndTheRecipeApplyToEveryPoint() {
        Hyperparameters recipe = Messages.withValues(Hyperparameters.DEFAULTS, Map.of("learningRate", 0.01,
                "parsevalBeta", 0.001));
        SweepRequest sweep = new SweepRequest(1, "p", "generated", null, "mlp", null, null, recipe,
                List.of(new MethodGrid("parseval", null), new MethodGrid("vanilla", Map.of())), List.of(7L),
                List.of(1, 3), List.of("deepfool"), null, null);
        List<TrainingRequest> points = sweep.expand();

        assertEquals(List.of("p-parseval-b0.001-e1-s7", "p-parseval-b0.001-e3-s7", "p-vanilla-e1-s7",
                "p-vanilla-e3-s7"), points.stream().map(TrainingRequest::runId).toList());
        assertEquals(List.of(1, 3, 1, 3), points.stream().map(r -> r.hyperparameters().epochs()).toList());
        assertEquals(0.01, points.get(3).hyperparameters().learningRate());
        assertEquals(Map.of(), StrengthParameter.valuesOf("vanilla", points.get(3).hyperparameters()));
        assertEquals(null, points.get(0).baseCheckpoint());
    }
}
