package org.deepdefense.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import java.util.Locale;
import org.deepdefense.util.Names;

/**
 * Where a run's arrays live: {@code cpu}, {@code gpu} (the first CUDA device; an error when there is none) or
 * {@code auto} (the GPU when DJL sees one). Every array of a run is created by its root manager or a sub-manager,
 * so the root manager's device is the run's device.
 */
public enum DeviceChoice {
    CPU, GPU, AUTO;

    public static DeviceChoice parse(String text) {
        return Names.parse(values(), DeviceChoice::id, text, "device");
    }

    /**
     * The DJL device.
     *
     * @throws IllegalStateException for {@code gpu} where the PyTorch engine sees no CUDA device: DJL then silently
     *     runs on the CPU, which for a GPU node means a misconfigured image
     */
    public Device resolve() {
        if (this == CPU) {
            return Device.cpu();
        }
        int gpus = gpuCount();
        if (gpus > 0) {
            return Device.gpu(0);
        }
        if (this == AUTO) {
            return Device.cpu();
        }
        throw new IllegalStateException("device gpu requested, but DJL's PyTorch engine " + engineVersion()
                + " sees no CUDA device. DJL falls back to the CPU when it cannot load cudart or when it loaded a CPU"
                + " build of libtorch: check that the image leaves pytorch-native-cpu out and sets"
                + " PYTORCH_LIBRARY_PATH, PYTORCH_VERSION and PYTORCH_FLAVOR (now " + env("PYTORCH_FLAVOR")
                + ") to a CUDA libtorch, and that the node's driver is visible (nvidia-smi)");
    }

    /** A base manager on the resolved device. */
    public NDManager newManager() {
        return NDManager.newBaseManager(resolve(), "PyTorch");
    }

    public static int gpuCount() {
        return Engine.getEngine("PyTorch").getGpuCount();
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static String engineVersion() {
        return Engine.getEngine("PyTorch").getVersion();
    }

    private static String env(String name) {
        String value = System.getenv(name);
        return value == null ? "unset" : value;
    }
}
