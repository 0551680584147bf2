package org.deepdefense.messages;

import java.util.List;
import java.util.stream.Stream;

/**
 * Default topic names. Services bind channels to them through {@code mp.messaging.*.topic}, so a
 * deployment can rename any of them in configuration; these constants are the defaults and what tests
 * and the local broker create.
 */
public final class Topics {

    public static final String TRAINING_REQUESTS = "deepdefense.training.requests";
    public static final String TRAINING_PROGRESS = "deepdefense.training.progress";
    public static final String CHECKPOINTS = "deepdefense.checkpoints";
    public static final String ATTACK_RESULTS = "deepdefense.attack.results";
    public static final String REPORTS = "deepdefense.reports";

    private static final List<String> MAIN =
            List.of(TRAINING_REQUESTS, TRAINING_PROGRESS, CHECKPOINTS, ATTACK_RESULTS, REPORTS);

    private Topics() {
    }

    /** The dead-letter topic that receives the poison records of {@code topic}. */
    public static String deadLetter(String topic) {
        return topic + ".dlq";
    }

    /** Every project topic followed by every dead-letter topic. */
    public static List<String> all() {
        return Stream.concat(MAIN.stream(), MAIN.stream().map(Topics::deadLetter)).toList();
    }
}
