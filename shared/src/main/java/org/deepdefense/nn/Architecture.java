package org.deepdefense.nn;

import org.deepdefense.util.Names;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** The networks of the paper's experiments (DESIGN §1), with PyTorch state_dict names. */
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
    /** Network in Network for CIFAR-10 (never released by the paper's authors). */
    NIN("nin");

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
                l.add(new Conv2d("conv2", 96, 192, 5, 2, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp3", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp4", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new AvgPool2d(2));
                l.add(new Conv2d("conv3", 192, 192, 3, 1, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp5", 192, 192, 1, 0, manager, random));
                l.add(new Relu());
                l.add(new Conv2d("cccp6", 192, classes, 1, 0, manager, random));
                l.add(new AvgPool2d(8));
                l.add(new Flatten());
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
