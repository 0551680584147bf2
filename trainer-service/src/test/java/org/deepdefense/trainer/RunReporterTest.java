package org.deepdefense.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RunReporterTest {

    @Test
    void checkpointIdsJoinRunIdAndCheckpointName() {
        assertEquals("lenet-1-epoch-0003", RunReporter.checkpointId("lenet-1/epoch-0003"));
        assertEquals("lenet-1-final", RunReporter.checkpointId("lenet-1/final"));
    }

    @Test
    void longRunIdsAreCutButStayDistinct() {
        String a = "a".repeat(63) + "x";
        String b = "a".repeat(63) + "y";
        String idA = RunReporter.checkpointId(a + "/epoch-0001-step-000010");
        String idB = RunReporter.checkpointId(b + "/epoch-0001-step-000010");
        assertEquals(64, idA.length());
        assertTrue(idA.endsWith("-epoch-0001-step-000010"), idA);
        assertNotEquals(idA, idB);
        // "Aa" and "BB" have the same String.hashCode: a 32-bit hash of the run id would give both one id.
        String prefix = "r".repeat(62);
        assertNotEquals(RunReporter.checkpointId(prefix + "Aa/final"), RunReporter.checkpointId(prefix + "BB/final"));
    }
}
