package org.deepdefense.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class LearningRateScheduleTest {

    /** The rate of every epoch of a run of {@code epochs}, as multiples of the base rate. */
    private static double[] rates(LearningRateSchedule schedule, int epochs) {
        return IntStream.range(0, epochs).mapToDouble(e -> schedule.rate(1, e, epochs)).toArray();
    }

    @Test
    void lastEpochHalvesOnlyTheLastOfTwoOrMore() {
        assertEquals(java.util.List.of(1.0, 1.0, 1.0, 1.0, 0.5), box(rates(LearningRateSchedule.LAST_EPOCH, 5)));
        assertEquals(java.util.List.of(1.0), box(rates(LearningRateSchedule.LAST_EPOCH, 1)));
    }

    /** As the official code's {@code epoch_idx == 0.8 * epochs}: halved from there on, or never. */
    @Test
    void officialHalvesFromEpochFourFifthsWhereThatIsAnExactEpoch() {
        assertEquals(java.util.List.of(1.0, 1.0, 1.0, 1.0, 0.5), box(rates(LearningRateSchedule.OFFICIAL_0_8, 5)));
        assertEquals(java.util.List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5, 0.5),
                box(rates(LearningRateSchedule.OFFICIAL_0_8, 10)));
        assertEquals(java.util.List.of(1.0, 1.0, 1.0), box(rates(LearningRateSchedule.OFFICIAL_0_8, 3)));
        assertEquals(12, box(rates(LearningRateSchedule.OFFICIAL_0_8, 12)).stream().filter(r -> r == 1).count());
        assertEquals(java.util.List.of(0.5, 0.5, 0.5),
                box(rates(LearningRateSchedule.OFFICIAL_0_8, 15)).subList(12, 15));
        assertEquals(java.util.List.of(1.0), box(rates(LearningRateSchedule.OFFICIAL_0_8, 1)));
    }

    @Test
    void constantNeverChanges() {
        assertEquals(java.util.List.of(1.0, 1.0, 1.0, 1.0, 1.0), box(rates(LearningRateSchedule.CONSTANT, 5)));
    }

    @Test
    void theConfigurationUsesItsSchedule() {
        TrainingConfig config = TrainingConfig.defaults(Method.DEEPDEFENSE).withEpochs(10)
                .withLearningRateSchedule(LearningRateSchedule.OFFICIAL_0_8);
        assertEquals(config.learningRate(), config.learningRate(7));
        assertEquals(config.learningRate() / 2, config.learningRate(8));
        assertEquals("official-0.8", config.toMap().get(LearningRateSchedule.KEY));
    }

    @Test
    void checkpointsNameTheirScheduleAndOlderOnesAreRead() {
        assertEquals(LearningRateSchedule.OFFICIAL_0_8,
                LearningRateSchedule.recordedIn(Map.of("lrSchedule", "official-0.8")));
        assertEquals(LearningRateSchedule.LAST_EPOCH,
                LearningRateSchedule.recordedIn(Map.of("halveLearningRateInLastEpoch", true)));
        assertEquals(LearningRateSchedule.CONSTANT,
                LearningRateSchedule.recordedIn(Map.of("halveLearningRateInLastEpoch", false)));
        assertNull(LearningRateSchedule.recordedIn(Map.of()));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("halve"));
    }

    private static java.util.List<Double> box(double[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
