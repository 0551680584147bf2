package org.deepdefense.nn;

import ai.djl.ndarray.NDArray;

/**
 * A named tensor of a network, stored in PyTorch layout under its {@code state_dict} name.
 *
 * @param trainable false for buffers such as BatchNorm running statistics, which SGD must not touch
 */
public record Parameter(String name, NDArray value, boolean trainable) {}
