package org.deepdefense.nn;

import ai.djl.Device;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;

/** The devices a device-parameterised test runs on: the CPU always, and the first GPU where DJL sees one. */
public final class TestDevices {
    private TestDevices() {}

    public static Stream<Device> all() {
        return DeviceChoice.gpuCount() > 0 ? Stream.of(Device.cpu(), Device.gpu(0)) : Stream.of(Device.cpu());
    }

    /** Every argument list once per device, the device first. */
    public static Stream<Arguments> times(Stream<Arguments> arguments) {
        var lists = arguments.toList();
        return all().flatMap(device -> lists.stream().map(a -> {
            Object[] with = new Object[a.get().length + 1];
            with[0] = device;
            System.arraycopy(a.get(), 0, with, 1, a.get().length);
            return Arguments.of(with);
        }));
    }
}
