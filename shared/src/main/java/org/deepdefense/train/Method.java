package org.deepdefense.train;

import org.deepdefense.util.Names;

/** Training methods. */
public enum Method {
    /** Plain cross-entropy training. */
    VANILLA("vanilla"),
    /** Cross-entropy plus the Deep Defense regulariser. */
    DEEPDEFENSE("deepdefense"),
    /** Parseval networks (Cisse et al. 2017): cross-entropy, every weight retracted towards orthonormality. */
    PARSEVAL("parseval"),
    /** Adversarial training with FGS examples mixed into each batch (Goodfellow et al. 2015). */
    FGS_ADV("fgs-adv"),
    /** Adversarial fine-tuning with DeepFool examples mixed into each batch (Moosavi-Dezfooli et al. 2016). */
    DEEPFOOL_ADV("deepfool-adv");

    private final String id;

    Method(String id) {
        this.id = id;
    }

    public String id() {
        return id;
    }

    public static Method parse(String name) {
        return Names.parse(values(), Method::id, name, "method");
    }
}
