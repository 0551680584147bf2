package org.deepdefense.nn;

import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * Turns PyTorch's (thread-local) autograd recording off for a computation whose result must stay out of the
 * graph, such as DeepFool's choice of target class inside a Deep Defense training step. Only one DJL
 * GradientCollector may be open per JVM, so opening a second one is not an option.
 */
public final class GradMode {
    private GradMode() {}

    /**
     * Recording off for this thread. DJL's PyTorch engine turns it off on the thread that starts the engine only;
     * a worker thread that builds or trains networks must do it itself, or in-place updates of parameters fail
     * ("a leaf Variable that requires grad is being used in an in-place operation") and plain forward passes
     * record graphs nobody reads.
     */
    public static void disableOnThisThread() {
        JniUtils.setGradMode(false);
    }

    public static <T> T withoutGradient(Supplier<T> computation) {
        boolean was = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        try {
            return computation.get();
        } finally {
            JniUtils.setGradMode(was);
        }
    }
}
