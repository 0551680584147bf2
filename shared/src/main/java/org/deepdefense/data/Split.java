package org.deepdefense.data;

/** Which half of a dataset's official train/test division to load. */
public enum Split {
    TRAIN,
    TEST
}
