package org.deepdefense.attack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AttacksTest {
    @Test
    void everyRegisteredAttackBuildsForEachOfItsNorms() {
        AttackSettings settings = AttackSettings.defaults();
        for (String name : Attacks.names()) {
            Attacks.Spec spec = Attacks.spec(name);
            for (Norm norm : spec.norms()) {
                Object attack = spec.kind() == Attacks.Kind.MINIMUM_NORM ? Attacks.minimumNorm(name, settings)
                        : Attacks.fixedBudget(name, norm, settings);
                assertEquals(norm, attack instanceof MinimumNormAttack m ? m.norm() : ((FixedBudgetAttack) attack).norm());
            }
        }
        assertThrows(IllegalArgumentException.class, () -> Attacks.spec("fgsm"));
    }

    @Test
    void suitesExpandInOrderWithoutRepeats() {
        assertEquals(List.of("deepfool", "paper-fgs", "fgs", "apgd-ce", "apgd-t", "square", "cw-l2"),
                AttackSuite.expand(List.of("standard", "deepfool", "cw-l2")));
        assertTrue(AttackSuite.vocabulary().containsAll(Attacks.names()));
    }

    /** APGD's checkpoints for 100 iterations, as the reference implementation places them. */
    @Test
    void aSuiteTheModelsClassCountDoesNotAllowIsRefusedBeforeAnyWork() {
        List<String> standard = AttackSuite.expand(List.of("standard"));
        Attacks.requireApplicable(standard, 4);
        Attacks.requireApplicable(standard.stream().filter(a -> !a.equals("apgd-t")).toList(), 2);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> Attacks.requireApplicable(standard, 3));
        assertEquals("this model has 3 classes, too few for [apgd-t (at least 4)]; ask for attacks without them",
                refused.getMessage());
    }

    @Test
    void apgdCheckpointsFollowThePublishedSchedule() {
        assertArrayEquals(new int[] {22, 41, 57, 70, 80, 87, 93, 99}, Apgd.checkpoints(100));
    }

    @Test
    void squareWindowsHalveOnTheScheduleRescaledToTheBudget() {
        Square square = new Square(Norm.LINF, 1000);
        assertEquals(0.8, square.windowFraction(1));
        assertEquals(0.4, square.windowFraction(2));
        assertEquals(0.8 / 512, square.windowFraction(999));
    }
}
