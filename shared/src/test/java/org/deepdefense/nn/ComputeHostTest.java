package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import org.deepdefense.messages.TrainingProgress;
import org.junit.jupiter.api.Test;

class ComputeHostTest {
    private static String cpuinfo(String model, String flags) {
        String core = "processor\t: %d\nvendor_id\t: AuthenticAMD\nmodel name\t: " + model + "\nflags\t\t: " + flags
                + "\n\n";
        return core.formatted(0) + core.formatted(1);
    }

    @Test
    void namesTheModelTheInstructionSetLibtorchRunsAndTheThreads() {
        String zen4 = cpuinfo("AMD EPYC 9554 64-Core Processor", "fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl");
        assertEquals("cpu() AMD EPYC 9554 64-Core Processor, avx512, 2 threads",
                ComputeHost.describeCpu("cpu()", zen4, null, 2));
        // AVX-512 F alone (Xeon Phi) does not give libtorch its AVX-512 kernels.
        String knl = cpuinfo("Intel Xeon Phi 7250", "avx avx2 fma avx512f avx512cd");
        assertEquals("cpu() Intel Xeon Phi 7250, avx2, 1 thread", ComputeHost.describeCpu("cpu()", knl, null, 1));
        assertEquals("cpu() Old, no avx2, 4 threads",
                ComputeHost.describeCpu("cpu()", cpuinfo("Old", "sse2 avx"), null, 4));
    }

    @Test
    void theEnvironmentOverrideWinsAndMissingCpuinfoLeavesOnlyTheThreads() {
        String zen4 = cpuinfo("AMD EPYC", "avx2 fma avx512f avx512dq avx512bw avx512vl");
        assertEquals("cpu() AMD EPYC, ATEN_CPU_CAPABILITY=avx2, 2 threads",
                ComputeHost.describeCpu("cpu()", zen4, "avx2", 2));
        assertEquals("cpu(), 2 threads", ComputeHost.describeCpu("cpu()", "", null, 2));
    }

    @Test
    void aLongModelNameIsCutToWhatMessagesCarry() {
        String described = ComputeHost.describeCpu("cpu()",
                cpuinfo("Intel(R) Xeon(R) Platinum 8480+ Sapphire Rapids with a very long marketing name", "avx2 fma"),
                null, 16);
        assertEquals(TrainingProgress.MAX_DEVICE_LENGTH, described.length(), described);
        assertTrue(described.endsWith(", avx2, 16 threads"), described);
    }

    @Test
    void theRealHostIsDescribedWithinTheLimit() {
        String described = ComputeHost.describe(Device.cpu());
        assertTrue(described.startsWith("cpu()") && (described.endsWith("threads") || described.endsWith("thread")),
                described);
        assertTrue(described.length() <= TrainingProgress.MAX_DEVICE_LENGTH, described);
    }
}
