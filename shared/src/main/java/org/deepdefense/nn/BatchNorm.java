package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;

/**
 * Batch normalisation over features (N, F) or channels (N, C, H, W), as torch.nn.BatchNorm1d/2d. Deep Defense
 * fine-tunes with BatchNorm frozen (EVAL: running statistics), where the layer is a per-feature affine map and its
 * input gradient is v scaled by γ/√(var+ε). In TRAIN mode it normalises with batch statistics and updates the running
 * ones; the input gradient is only defined for EVAL passes. A step in EVAL mode also leaves γ and β as they are
 * ({@link #frozenIn}): the official code fine-tunes MLP-BN with the whole layer fixed.
 */
public final class BatchNorm implements Layer {
    /** As torch.nn.BatchNorm's default eps. */
    public static final float EPS = 1e-5f;
    private static final float MOMENTUM = 0.1f;

    private final Parameter gamma;
    private final Parameter beta;
    private final Parameter runningMean;
    private final Parameter runningVar;

    BatchNorm(String name, int features, NDManager manager) {
        Shape shape = new Shape(features);
        this.gamma = new Parameter(name + ".weight", Init.constant(manager, shape, 1f, true), true);
        this.beta = new Parameter(name + ".bias", Init.constant(manager, shape, 0f, true), true);
        this.runningMean = new Parameter(name + ".running_mean", Init.constant(manager, shape, 0f, false), false);
        this.runningVar = new Parameter(name + ".running_var", Init.constant(manager, shape, 1f, false), false);
    }

    @Override
    public Applied forward(NDArray x, Mode mode) {
        NDManager scope = x.getManager();
        Shape perFeature = x.getShape().dimension() == 2 ? new Shape(-1) : new Shape(-1, 1, 1);
        NDArray g = Scope.own(gamma.value().reshape(perFeature), scope);
        NDArray b = Scope.own(beta.value().reshape(perFeature), scope);
        if (mode == Mode.TRAIN) {
            // Statistics per feature over every other axis (DJL reduces one axis at a time).
            NDArray byFeature = x.getShape().dimension() == 2 ? x.transpose()
                    : x.transpose(1, 0, 2, 3).reshape(x.getShape().get(1), -1);
            NDArray mean = byFeature.mean(new int[] {1});
            NDArray var = byFeature.sub(mean.expandDims(1)).square().mean(new int[] {1});
            updateRunningStatistics(mean, var, byFeature.getShape().get(1));
            NDArray y = x.sub(mean.reshape(perFeature)).div(var.add(EPS).sqrt().reshape(perFeature)).mul(g).add(b);
            return new Applied(y, v -> {
                throw new IllegalStateException("BatchNorm input gradients need an EVAL pass (frozen statistics)");
            });
        }
        NDArray mean = Scope.own(runningMean.value().reshape(perFeature), scope);
        NDArray std = Scope.own(runningVar.value().reshape(perFeature), scope).add(EPS).sqrt();
        NDArray scale = g.div(std);
        NDArray y = x.sub(mean).mul(scale).add(b);
        return new Applied(y, v -> Scope.maskRows(v, scale.expandDims(0)));
    }

    private void updateRunningStatistics(NDArray batchMean, NDArray batchVar, long count) {
        GradMode.withoutGradient(() -> {
            NDArray mean = batchMean.stopGradient();
            // PyTorch keeps the unbiased variance in its running estimate.
            NDArray var = batchVar.stopGradient().mul(count / (double) Math.max(1, count - 1));
            runningMean.value().muli(1 - MOMENTUM).addi(mean.mul(MOMENTUM));
            runningVar.value().muli(1 - MOMENTUM).addi(var.mul(MOMENTUM));
            return null;
        });
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(gamma, beta, runningMean, runningVar);
    }

    @Override
    public List<Parameter> frozenIn(Mode mode) {
        return mode == Mode.EVAL ? List.of(gamma, beta) : List.of();
    }
}
