package org.deepdefense.nn;

import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * torchvision's ResNet-18 layout and state_dict names (conv1, bn1, layer1.0.conv1, …, layer2.0.downsample.0/1,
 * fc): four stages of two basic blocks, widths w, 2w, 4w, 8w, every stage after the first starting with stride 2.
 * The architectures use w = 64; tests build narrower ones.
 */
final class ResNet {
    private static final int STAGES = 4;
    private static final int BLOCKS_PER_STAGE = 2;

    private ResNet() {}

    /**
     * @param imageNetStem torchvision's 7×7/2 convolution and 3×3/2 max pooling for 224×224 images; else the usual
     *     CIFAR stem, one 3×3/1 convolution and no pooling, for 32×32 images
     */
    static List<Layer> resnet18(boolean imageNetStem, int channels, int classes, int width, NDManager manager,
            SplittableRandom random) {
        List<Layer> l = new ArrayList<>();
        l.add(imageNetStem ? new Conv2d("conv1", channels, width, 7, 2, 3, false, manager, random)
                : new Conv2d("conv1", channels, width, 3, 1, 1, false, manager, random));
        l.add(new BatchNorm("bn1", width, manager));
        l.add(new Relu());
        if (imageNetStem) {
            l.add(new StridedMaxPool2d(3, 2, 1));
        }
        int in = width;
        for (int stage = 0; stage < STAGES; stage++) {
            int out = width << stage;
            for (int block = 0; block < BLOCKS_PER_STAGE; block++) {
                int stride = stage > 0 && block == 0 ? 2 : 1;
                l.add(basicBlock("layer" + (stage + 1) + "." + block, in, out, stride, manager, random));
                l.add(new Relu());
                in = out;
            }
        }
        l.add(new GlobalAvgPool2d());
        l.add(new Flatten());
        l.add(new Linear("fc", in, classes, manager, random));
        return l;
    }

    /** conv3×3/stride, BN, ReLU, conv3×3, BN, plus the input, projected by a 1×1/stride conv and BN where the shape changes. */
    static Residual basicBlock(String name, int in, int out, int stride, NDManager manager,
            SplittableRandom random) {
        List<Layer> branch = List.of(
                new Conv2d(name + ".conv1", in, out, 3, stride, 1, false, manager, random),
                new BatchNorm(name + ".bn1", out, manager),
                new Relu(),
                new Conv2d(name + ".conv2", out, out, 3, 1, 1, false, manager, random),
                new BatchNorm(name + ".bn2", out, manager));
        List<Layer> shortcut = stride == 1 && in == out ? List.of() : List.of(
                new Conv2d(name + ".downsample.0", in, out, 1, stride, 0, false, manager, random),
                new BatchNorm(name + ".downsample.1", out, manager));
        return new Residual(branch, shortcut);
    }
}
