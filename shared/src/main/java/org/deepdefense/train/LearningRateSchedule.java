package org.deepdefense.train;

import java.util.Map;
import org.deepdefense.util.Names;

/** How the learning rate changes over a run's epochs; checkpoint metadata names the one a run used. */
public enum LearningRateSchedule {
    /** Halved in the last epoch of a run of two or more; this project's recipe before the official one was read. */
    LAST_EPOCH("last-epoch"),
    /**
     * The official code's test {@code epoch_idx == 0.8 * epochs} (0-based epochs, double arithmetic): halved from
     * that epoch on. It only holds when 0.8·E is an integer, so E = 5 halves from the 5th epoch and E = 10 from the
     * 9th, but E = 3 or E = 12 never halve.
     */
    OFFICIAL_0_8("official-0.8"),
    /** The same rate in every epoch. */
    CONSTANT("constant");

    /** The key of the schedule in {@link TrainingConfig#toMap()} and so in checkpoint metadata. */
    public static final String KEY = "lrSchedule";
    /** What checkpoints written before schedules had a name stored instead of {@link #KEY}. */
    private static final String LEGACY_KEY = "halveLearningRateInLastEpoch";

    private final String id;

    LearningRateSchedule(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static LearningRateSchedule parse(String name) {
        return Names.parse(values(), LearningRateSchedule::id, name, "learning-rate schedule");
    }

    /** The rate of (0-based) {@code epoch} of {@code epochs} for a base rate {@code base}. */
    public double rate(double base, int epoch, int epochs) {
        boolean halved = switch (this) {
            case LAST_EPOCH -> epochs > 1 && epoch == epochs - 1;
            case OFFICIAL_0_8 -> halvingEpochOfficial(epochs) >= 0 && epoch >= halvingEpochOfficial(epochs);
            case CONSTANT -> false;
        };
        return halved ? base / 2 : base;
    }

    /** The first epoch at which the official code halves, or -1 if it never does for this many epochs. */
    private static int halvingEpochOfficial(int epochs) {
        for (int epoch = 0; epoch < epochs; epoch++) {
            if (epoch == 0.8 * epochs) {
                return epoch;
            }
        }
        return -1;
    }

    /**
     * The schedule recorded in a checkpoint's hyperparameters; a checkpoint from before schedules had names recorded
     * the boolean {@value #LEGACY_KEY} instead (true: {@link #LAST_EPOCH}, false: {@link #CONSTANT}). Null if neither
     * is there.
     */
    public static LearningRateSchedule recordedIn(Map<String, Object> hyperparameters) {
        Object named = hyperparameters.get(KEY);
        if (named instanceof String id) {
            return parse(id);
        }
        Object legacy = hyperparameters.get(LEGACY_KEY);
        if (legacy instanceof Boolean halve) {
            return halve ? LAST_EPOCH : CONSTANT;
        }
        return null;
    }
}
