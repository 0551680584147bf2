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
