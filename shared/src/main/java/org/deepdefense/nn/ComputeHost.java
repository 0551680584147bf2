package org.deepdefense.nn;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.deepdefense.messages.TrainingProgress;

/**
 * What a run computed on, as recorded in checkpoint metadata and progress records. On the CPU the same command gives
 * different bytes on a CPU with AVX-512 and on one with AVX2 only (libtorch picks its kernels by instruction set, and
 * they sum in other orders), and on another thread count: both are named, with the CPU model, so a checkpoint that
 * does not reproduce says why.
 */
public final class ComputeHost {
    private ComputeHost() {}

    /** The device, and on the CPU its model, vector instruction set and libtorch's intra-op thread count. */
    public static String describe(Device device) {
        if (!Device.Type.CPU.equals(device.getDeviceType())) {
            return device.toString();
        }
        String cpuinfo;
        try {
            cpuinfo = Files.readString(Path.of("/proc/cpuinfo"));
        } catch (IOException e) { // not Linux
            cpuinfo = "";
        }
        Engine.getEngine("PyTorch"); // loads libtorch, which the thread count is asked of
        return describeCpu(device.toString(), cpuinfo, System.getenv("ATEN_CPU_CAPABILITY"), JniUtils.getNumThreads());
    }

    /**
     * @param cpuinfo the text of {@code /proc/cpuinfo} (empty where there is none: the model and instruction set are
     *     then left out)
     * @param atenCapability libtorch's {@code ATEN_CPU_CAPABILITY} override, or null: where set it caps the kernels
     */
    static String describeCpu(String device, String cpuinfo, String atenCapability, int threads) {
        String model = field(cpuinfo, "model name");
        Set<String> flags = new HashSet<>(Arrays.asList(field(cpuinfo, "flags").split(" ")));
        String isa;
        if (atenCapability != null && !atenCapability.isBlank()) {
            isa = ", ATEN_CPU_CAPABILITY=" + atenCapability.trim();
        } else if (flags.containsAll(Set.of("avx512bw", "avx512vl", "avx512dq", "fma"))) {
            isa = ", avx512"; // what libtorch's AVX-512 kernels ask of the CPU; short of it they run their AVX2 ones
        } else if (flags.containsAll(Set.of("avx2", "fma"))) {
            isa = ", avx2";
        } else {
            isa = cpuinfo.isEmpty() ? "" : ", no avx2";
        }
        String tail = isa + ", " + threads + (threads == 1 ? " thread" : " threads");
        int room = Math.max(0, TrainingProgress.MAX_DEVICE_LENGTH - device.length() - 1 - tail.length());
        String name = model.length() > room ? model.substring(0, room).trim() : model;
        return device + (name.isEmpty() ? "" : " " + name) + tail;
    }

    private static String field(String cpuinfo, String key) {
        for (String line : cpuinfo.split("\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim().replaceAll("\\s+", " ");
            }
        }
        return "";
    }
}
