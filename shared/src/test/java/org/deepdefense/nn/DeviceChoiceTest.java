package org.deepdefense.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.Test;

class DeviceChoiceTest {
    @Test
    void parsesTheThreeSettingsAndRefusesOthers() {
        assertEquals(DeviceChoice.GPU, DeviceChoice.parse(" GPU "));
        assertEquals(DeviceChoice.AUTO, DeviceChoice.parse("auto"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DeviceChoice.parse("cuda")).getMessage()
                .contains("known devices: cpu, gpu, auto"));
    }

    /** The same assertions hold on a CPU machine (CI) and a CUDA one: each branch follows what DJL sees. */
    @Test
    void cpuIsTheCpuAutoFollowsDjlAndGpuWithoutCudaIsAnErrorThatSaysWhy() {
        assertEquals(Device.cpu(), DeviceChoice.CPU.resolve());
        boolean cuda = DeviceChoice.gpuCount() > 0;
        assertEquals(cuda ? Device.gpu(0) : Device.cpu(), DeviceChoice.AUTO.resolve());
        if (cuda) {
            assertEquals(Device.gpu(0), DeviceChoice.GPU.resolve());
        } else {
            String reason = assertThrows(IllegalStateException.class, DeviceChoice.GPU::resolve).getMessage();
            assertTrue(reason.contains("sees no CUDA device") && reason.contains("PYTORCH_FLAVOR"), reason);
        }
        try (NDManager manager = DeviceChoice.AUTO.newManager()) {
            assertEquals(DeviceChoice.AUTO.resolve(), manager.create(new float[] {1}).getDevice(),
                    "arrays of the run's manager live on the run's device");
        }
    }
}
