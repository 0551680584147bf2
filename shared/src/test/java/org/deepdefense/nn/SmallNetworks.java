package org.deepdefense.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
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

    /**
     * A residual network small enough for finite differences: resnet18-cifar's stem, one basic block with an
     * identity shortcut, one stride-2 block with a projection shortcut, global average pooling and the head.
     */
    public static Network tinyResNet(int width, int channels, int size, int classes, long seed, NDManager parent) {
        NDManager manager = parent.newSubManager();
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> layers = List.of(
                new Conv2d("conv1", channels, width, 3, 1, 1, false, manager, random),
                new BatchNorm("bn1", width, manager),
                new Relu(),
                ResNet.basicBlock("layer1.0", width, width, 1, manager, random),
                new Relu(),
                ResNet.basicBlock("layer2.0", width, 2 * width, 2, manager, random),
                new Relu(),
                new GlobalAvgPool2d(),
                new Flatten(),
                new Linear("fc", 2 * width, classes, manager, random));
        return new Network(Architecture.RESNET18_CIFAR, new Shape(channels, size, size), classes, manager, layers);
    }
}
