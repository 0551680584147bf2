package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;

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

    static NDManager newManager() {
        return NDManager.newBaseManager("PyTorch");
    }
}
