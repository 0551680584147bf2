package org.deepdefense.evaluator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.deepdefense.messages.AttackResult;
import org.deepdefense.messages.CheckpointPublished;
import org.deepdefense.messages.RobustnessReportMessage;
import org.junit.jupiter.api.Test;

class ReportAssemblerTest {
    private static final String NOW = "2025-01-31T12:00:00Z";

    private final ReportAssembler assembler = new ReportAssembler();

    @Test
    void waitsForEveryRequestedAttackAndReportsOnce() {
        assertTrue(assembler.add(checkpoint(List.of("deepfool", "pgd-linf"))).isEmpty());
        assertTrue(assembler.add(deepFool()).isEmpty());
        RobustnessReportMessage report = assembler.add(result("pgd-linf", Map.of("acc_0.1", 0.8, "acc_0.3", 0.2,
                "cleanAccuracy", 0.9))).orElseThrow();
        assertEquals(Map.of("0.1", 0.8, "0.3", 0.2), report.pgdAccuracy());
        assertNull(report.epsRef());
        assertEquals(ReportAssembler.DEFAULT_SPACE, report.space());
        assertTrue(assembler.add(deepFool()).isEmpty());
        assertTrue(assembler.add(checkpoint(List.of("deepfool", "pgd-linf"))).isEmpty());
    }

    @Test
    void anEpsRefOfZeroIsNoReference() {
        assembler.add(checkpoint(List.of("deepfool", "fgs")));
        assembler.add(deepFool());
        RobustnessReportMessage report = assembler.add(result("fgs", Map.of("epsRef", 0.0, "acc_0.2", 0.4,
                "acc_0.5", 0.4, "acc_1.0", 0.4, "cleanAccuracy", 0.4))).orElseThrow();
        assertNull(report.epsRef());
        assertEquals(Map.of(), report.fgsAccuracy());
    }

    @Test
    void refusesWhatCannotMakeAReport() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> assembler.add(checkpoint(List.of("fgs"))))
                .getMessage().contains("did not ask for deepfool"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> assembler.add(result("deepfool", Map.of("cleanAccuracy", 0.9)))).getMessage()
                .contains("lacks values.rho2"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> assembler.add(result("fgs", Map.of("epsRef", 0.3, "cleanAccuracy", 0.9)))).getMessage()
                .contains("lacks values.acc_0.2"));
    }

    private static CheckpointPublished checkpoint(List<String> attacks) {
        return new CheckpointPublished(1, "run-1", "run-1-final", "run-1/final", "b".repeat(64), true, 1, "mlp",
                "generated", "vanilla", attacks, null);
    }

    private static AttackResult deepFool() {
        return result("deepfool", Map.of("rho2", 0.2, "cleanAccuracy", 0.9));
    }

    private static AttackResult result(String attack, Map<String, Double> values) {
        return new AttackResult(1, "run-1", "run-1-final", attack, values, 100, 1.0, NOW);
    }
}
