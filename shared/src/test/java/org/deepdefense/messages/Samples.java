package org.deepdefense.messages;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.attack.MinimumNormAttack.Perturbations;
import org.deepdefense.attack.Norm;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.metrics.SampleOutcomes;
import org.deepdefense.metrics.SampleOutcomes.BudgetOutcome;

/** One valid record of each type, and a way to derive broken JSON from it. */
final class Samples {

    static final String SHA = "0123456789abcdef".repeat(4);
    static final String NOW = "2025-01-31T12:00:00Z";
    private static final ObjectMapper PLAIN = new ObjectMapper();

    private Samples() {
    }

    static TrainingRequest request() {
        return new TrainingRequest(1, "run-1", "mnist", null, "lenet", "deepdefense", "run-0/final", SHA,
                new Hyperparameters(3, 50, 1e-3, 0.9, 5e-4, 15, 25, 5, 5, 0.02, "constant", 1e-3, 4, 0.3),
                42, List.of("standard", "cw-l2"), 1000, 500, null);
    }

    /** A ResNet trained from scratch on an image folder under the trainer's data directory. */
    static TrainingRequest imageFolderRequest() {
        return new TrainingRequest(1, "run-2", "imagefolder", "imagenet/small", "resnet18", "vanilla", null, null,
                null, 7, null, null, null, null);
    }

    static TrainingProgress progress() {
        return new TrainingProgress(1, "run-1", 2, 5, 300, 600, 0.31, 0.97, 850.5, 420,
                Map.of("ratioCapped", 3L, "stepCapped", 0L, "gradientClipped", 1L, "updatesSkipped", 0L), "gpu(0)",
                TrainingProgress.RUNNING, null, NOW);
    }

    static CheckpointPublished checkpoint() {
        return new CheckpointPublished(1, "run-1", "run-1-epoch-5", "run-1/epoch-5", SHA, true, 5,
                "lenet", "mnist", null, "deepdefense", List.of("deepfool", "fgs"),
                Map.of("testAccuracy", 0.991, "preprocessing", "mean-subtracted"));
    }

    static AttackResult attackResult() {
        return new AttackResult(1, "run-1", "run-1-epoch-5", "deepfool", Map.of("rho2", 0.0213), 10_000, 41.5, NOW);
    }

    static EvaluationOptions options() {
        return new EvaluationOptions(100, 50, 0.02, List.of(25.5, 51.0), List.of(382.5), 20, 100, 9, 5000, 1, 10);
    }

    static AttackShard shard() {
        return new AttackShard(1, "run-1", "run-1-final", "run-1/final", SHA, "lenet", "mnist", null, 5000, ATTACKS, 2,
                5,
                2000, 2003, options());
    }

    static ShardResult shardResult() {
        return new ShardResult(1, "run-1", "run-1-final", ATTACKS, 2, 5, 2000, 2003, PackedOutcomes.of(outcomes()),
                options(), 3.5, NOW);
    }

    static final List<String> ATTACKS = List.of("deepfool", "paper-fgs", "apgd-ce", "square");

    /** Three samples' outcomes of {@link #ATTACKS} at the budgets of {@link #options()}. */
    static SampleOutcomes outcomes() {
        boolean[] some = {true, false, true};
        boolean[] none = new boolean[3];
        Map<String, Perturbations> minimumNorm = new LinkedHashMap<>();
        minimumNorm.put("deepfool", new Perturbations(new double[] {120, 0, 300}, some, new int[] {2, 0, 3}));
        minimumNorm.put("paper-fgs", new Perturbations(new double[] {20, 0, Double.POSITIVE_INFINITY},
                new boolean[] {true, true, false}, new int[] {30, 1, 60}));
        List<BudgetOutcome> runs = new ArrayList<>();
        for (String attack : List.of("apgd-ce", "square")) {
            runs.add(new BudgetOutcome(attack, Norm.LINF, 25.5, attack.equals("apgd-ce") ? some : none));
        }
        for (String attack : List.of("apgd-ce", "square")) {
            runs.add(new BudgetOutcome(attack, Norm.LINF, 51, attack.equals("apgd-ce") ? some : none));
        }
        for (String attack : List.of("apgd-ce", "square")) {
            runs.add(new BudgetOutcome(attack, Norm.L2, 382.5, none));
        }
        List<BudgetOutcome> doubled = List.of(new BudgetOutcome("apgd-ce", Norm.LINF, 25.5, none),
                new BudgetOutcome("apgd-ce", Norm.L2, 382.5, none));
        return new SampleOutcomes(3, new boolean[] {true, false, true}, none, none, new double[] {900, 800, 1000},
                minimumNorm, runs, doubled, Map.of("deepfool/l2", 0.5));
    }

    static RobustnessReportMessage report() {
        RobustnessEvaluator.Options options = RobustnessEvaluator.Options.suite("paper").withAttacks(ATTACKS)
                .withBudgets(new double[] {25.5, 51}, new double[] {382.5});
        return RobustnessReportMessage.of("run-1", "run-1-epoch-5", RobustnessReport.of(outcomes(), options, "lenet",
                "mnist", "deepdefense", "mean-subtracted pixels", 2.5), NOW);
    }

    static DeadLetter deadLetter() {
        return DeadLetter.of(Topics.TRAINING_REQUESTS, 0, 17, "run-1", "malformed JSON", new byte[] {'{'},
                Instant.parse(NOW));
    }

    static ShardPlan shardPlan() {
        return new ShardPlan(1, "run-1", "run-1-final", ATTACKS, List.of(0, 1000, 2000, 2003), options(), NOW);
    }

    /** Deep Defense λ ∈ {5, 15} × c ∈ {10, 25} and FGS-adv ε ∈ {4, 8}, two seeds: 12 points. */
    static SweepRequest sweep() {
        return new SweepRequest(1, "sw", "fashion-mnist", null, "mlp", "base/final", SHA, null,
                List.of(new MethodGrid("deepdefense", Map.of("lambda", List.of(5.0, 15.0), "c", List.of(10.0, 25.0))),
                        new MethodGrid("fgs-adv", Map.of("adversarialEpsilon", List.of(4.0, 8.0)))),
                List.of(1L, 2L), null, null, 1000, 500);
    }

    static List<Message> all() {
        return List.of(request(), progress(), checkpoint(), attackResult(), report(), deadLetter(), shard(),
                shardResult(), shardPlan(), sweep());
    }

    /** The sample as JSON with the field at a dotted path set to {@code json}, or removed when it is null. */
    static byte[] with(Message sample, String path, String json) {
        try {
            JsonNode root = PLAIN.readTree(Messages.toJson(sample));
            int dot = path.lastIndexOf('.');
            ObjectNode parent = (ObjectNode) (dot < 0 ? root : root.at("/" + path.substring(0, dot).replace('.', '/')));
            String name = path.substring(dot + 1);
            if (json == null) {
                parent.remove(name);
            } else {
                parent.set(name, PLAIN.readTree(json));
            }
            return PLAIN.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
