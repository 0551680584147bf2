package org.deepdefense.train;

import ai.djl.ndarray.NDArray;
import org.deepdefense.attack.DeepFool;
import org.deepdefense.attack.Fgs;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.GradMode;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;

/**
 * Adversarial training: (1−α)·CE(x) + α·CE(x_adv), with x_adv crafted against the current weights and held
 * constant (outside the autograd graph), as in Goodfellow et al. 2015 (FGS) and Moosavi-Dezfooli et al. 2016
 * (DeepFool fine-tuning).
 */
public final class AdversarialTrainingObjective implements Objective {

    /** Crafts adversarial examples for a batch; runs with autograd recording off. */
    interface Attack {
        /** x_adv in x's manager, and the batch mean of ‖x_adv − x‖/‖x‖ (NaN when not measured). */
        Crafted craft(Network network, NDArray x, int[] labels);
    }

    record Crafted(NDArray adversarial, double meanRatio) {}

    private final Attack attack;
    private final double ratio;

    private AdversarialTrainingObjective(Attack attack, double ratio) {
        if (!(ratio >= 0 && ratio <= 1)) {
            throw new IllegalArgumentException("adversarial ratio must be in [0, 1], got " + ratio);
        }
        this.attack = attack;
        this.ratio = ratio;
    }

    /** FGS examples x + ε·sign(∇ₓ CE). */
    public static AdversarialTrainingObjective fgs(double epsilon, double ratio) {
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("FGS epsilon must be positive, got " + epsilon);
        }
        return new AdversarialTrainingObjective((network, x, labels) -> new Crafted(
                x.add(Fgs.gradientSign(network, x, labels).mul((float) epsilon)), Double.NaN), ratio);
    }

    /** DeepFool examples x + Δx (overshoot included). */
    public static AdversarialTrainingObjective deepFool(DeepFool deepFool, double ratio) {
        return new AdversarialTrainingObjective((network, x, labels) -> {
            DeepFool.Result result = deepFool.attack(network, x);
            double sum = 0;
            for (double r : result.ratios()) {
                sum += r;
            }
            NDArray delta = x.getManager().create(result.perturbations(), x.getShape());
            return new Crafted(x.add(delta), sum / result.ratios().length);
        }, ratio);
    }

    @Override
    public Mode mode() {
        return Mode.TRAIN;
    }

    @Override
    public Loss loss(Network network, NDArray x, ForwardPass first, int[] labels) {
        Crafted crafted = GradMode.withoutGradient(() -> attack.craft(network, x, labels));
        NDArray clean = Objective.crossEntropy(first.logits(), labels);
        NDArray adversarial = Objective.crossEntropy(network.forward(crafted.adversarial(), Mode.TRAIN).logits(), labels);
        NDArray loss = clean.mul((float) (1 - ratio)).add(adversarial.mul((float) ratio));
        return new Loss(loss, crafted.meanRatio(), Stabilisers.NONE);
    }
}
