package org.deepdefense.nn;

/**
 * Forward mode. BatchNorm: TRAIN uses batch statistics, EVAL the running ones and keeps γ, β frozen. Dropout is
 * active in TRAIN only. Plain training steps run in TRAIN, Deep Defense steps and every attack in EVAL.
 */
public enum Mode {
    TRAIN,
    EVAL
}
