package org.deepdefense.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;

/**
 * Networks with an architecture's layout at sizes that finite differences and 2 CPU cores afford. Their
 * {@link Network#architecture()} names the family they were cut from, so they are for tests only: a checkpoint of
 * one would not load as that architecture.
 */
public final class SmallNetworks {
    private SmallNetworks() {}

    /** resnet18-cifar's layout (every layer, stride and shortcut) with stage widths w, 2w, 4w, 8w. */
    public static Network narrowResNet18Cifar(int stageWidth, int channels, int size, int classes, long seed,
            NDManager parent) {
        NDManager manager = parent.newSubManager();
        return new Network(Architecture.RESNET18_CIFAR, new Shape(channels, size, size), classes, manager,
                ResNet.resnet18(false, channels, classes, stageWidth, manager, new SplittableRandom(seed)));
    }
}
