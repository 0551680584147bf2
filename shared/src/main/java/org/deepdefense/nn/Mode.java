package org.deepdefense.nn;

/** Forward mode. Only BatchNorm tells them apart: TRAIN uses batch statistics, EVAL the running ones. */
public enum Mode {
    TRAIN,
    EVAL
}
