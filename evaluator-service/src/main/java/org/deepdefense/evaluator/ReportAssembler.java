package org.deepdefense.evaluator;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;

/**
 * Joins a final checkpoint with the results of the attacks it asked for, in whatever order they arrive, into
 * one report per checkpointId. Once a checkpoint is reported, records about it are ignored, so replays change
 * nothing. Records arrive on two channels at once, hence the synchronisation.
 */
@ApplicationScoped
public class ReportAssembler {
    /** Used when the checkpoint record does not say in which space ρ₂ and ε were measured. */
    static final String DEFAULT_SPACE = "preprocessed input of the checkpoint";
    private static final String ACCURACY_PREFIX = "acc_";

    private final Map<String, CheckpointPublished> checkpoints = new HashMap<>();
    private final Map<String, Map<String, AttackResult>> results = new HashMap<>();
    private final Set<String> reported = new HashSet<>();

    /**
     * @return the report, if this checkpoint completes one
     * @throws IllegalArgumentException if the checkpoint cannot be reported on (it did not ask for DeepFool)
     */
    public synchronized Optional<RobustnessReportMessage> add(CheckpointPublished checkpoint) {
        if (!checkpoint.attacks().contains("deepfool")) {
            throw new IllegalArgumentException("checkpoint " + checkpoint.checkpointId()
                    + " did not ask for deepfool: a robustness report needs rho2");
        }
        if (reported.contains(checkpoint.checkpointId())) {
            return Optional.empty();
        }
        checkpoints.putIfAbsent(checkpoint.checkpointId(), checkpoint);
        return complete(checkpoint.checkpointId());
    }

    /**
     * @return the report, if this result completes one
     * @throws IllegalArgumentException if the result lacks a value its attack must report
     */
    public synchronized Optional<RobustnessReportMessage> add(AttackResult result) {
        requireValues(result);
        if (reported.contains(result.checkpointId())) {
            return Optional.empty();
        }
        results.computeIfAbsent(result.checkpointId(), id -> new HashMap<>()).putIfAbsent(result.attack(), result);
        return complete(result.checkpointId());
    }

    private Optional<RobustnessReportMessage> complete(String checkpointId) {
        CheckpointPublished checkpoint = checkpoints.get(checkpointId);
        Map<String, AttackResult> arrived = results.getOrDefault(checkpointId, Map.of());
        if (checkpoint == null || !arrived.keySet().containsAll(checkpoint.attacks())) {
            return Optional.empty();
        }
        RobustnessReportMessage report = report(checkpoint, arrived);
        reported.add(checkpointId);
        checkpoints.remove(checkpointId);
        results.remove(checkpointId);
        return Optional.of(report);
    }

    private static RobustnessReportMessage report(CheckpointPublished checkpoint, Map<String, AttackResult> arrived) {
        Map<String, Double> deepFool = arrived.get("deepfool").values();
        Double epsRef = null;
        Map<String, Double> fgsAccuracy = new LinkedHashMap<>();
        // An ε_ref of 0 means the model is fooled without any perturbation: no reference scale to report.
        if (arrived.containsKey("fgs") && arrived.get("fgs").values().getOrDefault("epsRef", 0.0) > 0) {
            Map<String, Double> fgs = arrived.get("fgs").values();
            epsRef = fgs.get("epsRef");
            for (String fraction : RobustnessReportMessage.FGS_FRACTIONS) {
                fgsAccuracy.put(fraction, fgs.get(ACCURACY_PREFIX + fraction));
            }
        }
        Map<String, Double> pgdAccuracy = new LinkedHashMap<>();
        if (arrived.containsKey("pgd-linf")) {
            arrived.get("pgd-linf").values().forEach((name, value) -> {
                if (name.startsWith(ACCURACY_PREFIX)) {
                    pgdAccuracy.put(name.substring(ACCURACY_PREFIX.length()), value);
                }
            });
        }
        return new RobustnessReportMessage(Messages.SCHEMA_VERSION, checkpoint.runId(), checkpoint.checkpointId(),
                checkpoint.architecture(), checkpoint.dataset(), checkpoint.method(), deepFool.get("cleanAccuracy"),
                deepFool.get("rho2"), epsRef, fgsAccuracy, pgdAccuracy, space(checkpoint), Instant.now().toString());
    }

    private static String space(CheckpointPublished checkpoint) {
        Object preprocessing = checkpoint.metadata().get("preprocessing");
        return preprocessing instanceof String text && !text.isBlank() && text.length() <= 256 ? text : DEFAULT_SPACE;
    }

    /**
     * The values {@link #report} reads, checked as each result arrives so that a bad one is refused on its own;
     * ranges are checked by the report itself.
     */
    private static void requireValues(AttackResult result) {
        if (result.attack().equals("deepfool")) {
            require(result, "rho2", "cleanAccuracy");
        } else if (result.attack().equals("fgs") && result.values().getOrDefault("epsRef", 0.0) > 0) {
            require(result, RobustnessReportMessage.FGS_FRACTIONS.stream().map(f -> ACCURACY_PREFIX + f)
                    .toArray(String[]::new));
        }
    }

    private static void require(AttackResult result, String... names) {
        for (String name : names) {
            if (!result.values().containsKey(name)) {
                throw new IllegalArgumentException(result.attack() + " result for " + result.checkpointId()
                        + " lacks values." + name);
            }
        }
    }
}
