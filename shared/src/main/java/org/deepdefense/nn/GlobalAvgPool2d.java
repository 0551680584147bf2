package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;

/**
 * (N, C, H, W) → (N, C, 1, 1), the mean over each feature map (torch.nn.AdaptiveAvgPool2d(1), as ResNet's head);
 * its input gradient spreads v evenly over the map. Any input size, so a ResNet takes any image size.
 */
public final class GlobalAvgPool2d implements Layer {
    @Override
    public Applied forward(NDArray x, Mode mode) {
        long h = x.getShape().get(2);
        long w = x.getShape().get(3);
        // The PyTorch engine's mean reduces one axis at a time.
        NDArray y = x.reshape(x.getShape().get(0), x.getShape().get(1), h * w).mean(new int[] {2}, true).expandDims(3);
        return new Applied(y, v -> v.repeat(2, h).repeat(3, w).div(h * w));
    }
}
