package org.deepdefense.nn;

import org.deepdefense.util.Names;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The networks of the paper's experiments (DESIGN §1) and torchvision's ResNet-18 and AlexNet, with PyTorch
 * (torchvision) state_dict names.
 */
public enum Architecture {
    /** Multinomial logistic regression: a linear classifier, whose DeepFool perturbation has a closed form. */
    LINEAR("linear"),
    /** 784-500-150-10 with ReLU. */
    MLP("mlp"),
    /** The MLP with BatchNorm after each hidden linear layer. */
    MLP_BN("mlp-bn"),
    /** Official LeNet variant: conv5 1→20, maxpool2, conv5 20→50, maxpool2, fc 800→500, ReLU, fc 500→10. */
    LENET("lenet"),
    /** The official CIFAR-10 ConvNet. */
    CONVNET("convnet"),
    /**
     * Network in Network for CIFAR-10 (never released by the paper's authors), with the standard NIN's dropout 0.5
     * after its first two pooling stages.
     */
    NIN("nin"),
    /** ResNet-18 for 32×32 images: a 3×3 stem without pooling, then torchvision's four stages and head. */
    RESNET18_CIFAR("resnet18-cifar"),
    /** torchvision's resnet18 (7×7/2 stem, 3×3/2 max pooling), for 224×224 images. */
    RESNET18("resnet18"),
    /** torchvision's alexnet for 224×224 images, dropout 0.5 before its first two linear layers included. */
    ALEXNET("alexnet");

    /** Dropout of the standard NIN and of torchvision's AlexNet; active in TRAIN mode only ({@link Dropout}). */
    static final double STANDARD_DROPOUT = 0.5;

    private final String id;

    Architecture(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Architecture parse(String name) {
        return Names.parse(values(), Architecture::id, name, "architecture");
    }

    /** (channels, height, width) of the images this architecture is made for; generated data takes this shape. */
    public int[] usualInputShape() {
        return switch (this) {
            case LINEAR, MLP, MLP_BN, LENET -> new int[] {1, 28, 28};
            case CONVNET, NIN, RESNET18_CIFAR -> new int[] {3, 32, 32};
            case RESNET18, ALEXNET -> new int[] {3, 224, 224};
        };
    }

    /**
     * Builds the network for inputs of shape (channels, height, width) with freshly seeded parameters owned by
     * {@code manager}.
     */
    public List<Layer> layers(int channels, int height, int width, int classes, NDManager manager, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Layer> l = new ArrayList<>();
        int pixels = channels * height * width;
        switch (this) {
            case LINEAR -> {
                l.add(new Flatten());
                l.add(new Linear("fc1", pixels, classes, manager, random));
            }
            case MLP, MLP_BN -> {
                boolean bn = this == MLP_BN;
                l.add(new Flatten());
                l.add(new Linear("fc1", pixels, 500, manager, random));
                if (bn) l.add(new BatchNorm("bn1", 500, manager));
                l.add(new Relu());
                l.add(new Linear("fc2", 500, 150, manager, random));
                if (bn) l.add(new BatchNorm("bn2", 150, manager));
                l.add(new Relu());
                l.add(new Linear("fc3", 150, classes, manager, random));
            }
            case LENET -> {
                requireDivisible(height - 4, width - 4, 2, "after conv1");
                int h = (height - 4) / 2;
                int w = (width - 4) / 2;
                requireDivisible(h - 4, w - 4, 2, "after conv2");
                h = (h - 4) / 2;
                w = (w - 4) / 2;
                l.add(new Conv2d("conv1", channels, 20, 5, 0, manager, random));
                l.add(new MaxPool2d(2));
                l.add(new Conv2d("conv2", 20, 50, 5, 0, manager, random));
                l.add(new MaxPool2d(2));
                l.add(new Flatten());
                l.add(new Linear("fc1", 50 * h * w, 500, manager, random));
                l.add(new Relu());
                l.add(new Linear("fc2", 500, classes, manager, random));
            }
            case CONVNET -> {
                requireSize(height, width, 32);
                l.add(new Conv2d("conv1", channels, 32, 5, 2, manager, random));
                l.add(new MaxPool2d(2));
                l.add(new Relu());
                l.add(new Conv2d("conv2", 32, 32, 5, 2, manager, random));
                l.add(new Relu());
                l.add(new AvgPool2d(2));
                l.add(new Conv2d("conv3", 32, 64, 5, 2, manager, random));
                l.add(new Relu());
                l.add(new AvgPool2d(2));
                l.add(new Conv2d("conv4", 64, 64, 4, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("conv5", 64, classes, 1, 0, manager, random));
                l.add(new Flatten());
            }
            case NIN -> {
                requireSize(height, width, 32);
                l.add(new Conv2d("conv1", channels, 192, 5, 2, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp1", 192, 160, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp2", 160, 96, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new MaxPool2d(2));
                l.add(new Dropout(STANDARD_DROPOUT));
                l.add(new Conv2d("conv2", 96, 192, 5, 2, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp3", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp4", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new AvgPool2d(2));
                l.add(new Dropout(STANDARD_DROPOUT));
                l.add(new Conv2d("conv3", 192, 192, 3, 1, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp5", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp6", 192, classes, 1, 0, manager, random));
                l.add(new AvgPool2d(8));
                l.add(new Flatten());
            }
            case RESNET18_CIFAR -> l.addAll(ResNet.resnet18(false, channels, classes, 64, manager, random));
            case RESNET18 -> l.addAll(ResNet.resnet18(true, channels, classes, 64, manager, random));
            case ALEXNET -> {
                // torchvision's adaptive 6×6 average pooling is the identity on the 6×6 maps of 224×224 inputs,
                // the only size it is left out for.
                requireSize(height, width, 224);
                l.add(new Conv2d("features.0", channels, 64, 11, 4, 2, true, manager, random));
                l.add(new Relu());
                l.add(new StridedMaxPool2d(3, 2, 0));
                l.add(new Conv2d("features.3", 64, 192, 5, 1, 2, true, manager, random));
                l.add(new Relu());
                l.add(new StridedMaxPool2d(3, 2, 0));
                l.add(new Conv2d("features.6", 192, 384, 3, 1, 1, true, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("features.8", 384, 256, 3, 1, 1, true, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("features.10", 256, 256, 3, 1, 1, true, manager, random));
                l.add(new Relu());
                l.add(new StridedMaxPool2d(3, 2, 0));
                l.add(new Flatten());
                l.add(new Dropout(STANDARD_DROPOUT));
                l.add(new Linear("classifier.1", 256 * 6 * 6, 4096, manager, random));
                l.add(new Relu());
                l.add(new Dropout(STANDARD_DROPOUT));
                l.add(new Linear("classifier.4", 4096, 4096, manager, random));
                l.add(new Relu());
                l.add(new Linear("classifier.6", 4096, classes, manager, random));
            }
        }
        return l;
    }

    private void requireSize(int height, int width, int size) {
        if (height != size || width != size) {
            throw new IllegalArgumentException(id + " expects " + size + "x" + size + " inputs, got " + height + "x" + width);
        }
    }

    private void requireDivisible(int h, int w, int k, String where) {
        if (h <= 0 || w <= 0 || h % k != 0 || w % k != 0) {
            throw new IllegalArgumentException(id + ": feature map " + h + "x" + w + " " + where
                    + " is not a positive multiple of " + k);
        }
    }
}
