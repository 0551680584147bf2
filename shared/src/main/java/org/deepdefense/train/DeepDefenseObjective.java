package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Deep Defense (Yan, Guo, Zhang 2018): mean cross-entropy + (λ/B)·Σ_correct exp(−c·r) + (λ/B)·Σ_wrong exp(d·r),
 * with r = ‖Δx‖₂/‖x‖₂ and Δx the DeepFool perturbation unrolled in the graph.
 */
public final class DeepDefenseObjective implements Objective {
    public static final double DEFAULT_LAMBDA = 15;
    public static final double DEFAULT_C = 25;
    public static final double DEFAULT_D = 5;
    /**
     * Upper bound on r inside the exponentials. A misclassified sample that DeepFool can only bring to its label
     * with a perturbation larger than twice the input is an outlier; uncapped, exp(d·r) gave it weight up to 1e21
     * and one such batch blew the weights up (seen on generated data). Beyond the cap its term is constant.
     */
    static final float MAX_RATIO = 2;

    private final double lambda;
    private final double c;
    private final double d;
    private final UnrolledDeepFool deepFool;

    public DeepDefenseObjective(double lambda, double c, double d, UnrolledDeepFool deepFool) {
        if (!(lambda >= 0) || !(c > 0) || !(d >= 0)) {
            throw new IllegalArgumentException("need lambda >= 0, c > 0, d >= 0; got " + lambda + ", " + c + ", " + d);
        }
        this.lambda = lambda;
        this.c = c;
        this.d = d;
        this.deepFool = deepFool;
    }

    @Override
    public Mode mode() {
        return Mode.EVAL;
    }

    @Override
    public Loss loss(Network network, NDArray x, ForwardPass first, int[] labels) {
        UnrolledDeepFool.Perturbation perturbation = deepFool.perturb(network, x, first, labels);
        NDArray loss = Objective.crossEntropy(first.logits(), labels).add(regularizer(perturbation));
        // The capped count rides on the transfer of the mean ratio: one read for both.
        NDArray ratio = perturbation.ratio();
        float[] meanAndCapped = HostTransfers.floats(NDArrays.stack(new NDList(ratio.mean(),
                ratio.gt(MAX_RATIO).toType(DataType.FLOAT32, false).sum())));
        Stabilisers fired = new Stabilisers(Math.round(meanAndCapped[1]), perturbation.stoppedByStepBound(), 0, 0);
        return new Loss(loss, meanAndCapped[0], fired);
    }

    UnrolledDeepFool deepFool() {
        return deepFool;
    }

    /** (λ/B)·Σ exp(−c·r) over correct samples + exp(d·r) over misclassified ones. */
    NDArray regularizer(UnrolledDeepFool.Perturbation perturbation) {
        boolean[] correct = perturbation.correct();
        float[] exponent = new float[correct.length];
        for (int i = 0; i < correct.length; i++) {
            exponent[i] = (float) (correct[i] ? -c : d);
        }
        NDArray ratio = perturbation.ratio().minimum(MAX_RATIO);
        return ratio.mul(ratio.getManager().create(exponent)).exp().sum().mul((float) (lambda / correct.length));
    }
}
