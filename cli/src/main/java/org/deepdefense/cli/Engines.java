package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import org.deepdefense.nn.DeviceChoice;

/** DJL engine set-up shared by the commands. */
final class Engines {
    private Engines() {}

    /** PyTorch reads its thread counts once, when the engine starts: call before the first NDManager. */
    static void configureThreads(int threads) {
        if (threads < 1) {
            throw new Args.UsageException("--threads must be at least 1, got " + threads);
        }
        System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
        System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }

    /** The {@code --device cpu|gpu|auto} option (default auto). */
    static DeviceChoice device(Args args) {
        try {
            return DeviceChoice.parse(args.string("device", "auto"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    /**
     * The root manager on the chosen device; {@code gpu} without CUDA fails here, saying why. Export and import only
     * move arrays between files and Java: they take the CPU.
     */
    static NDManager newManager(DeviceChoice device) {
        return device.newManager();
    }
}
