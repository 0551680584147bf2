/**
 * Checkpoint format and store, independent of DJL and Kafka.
 *
 * <p>A checkpoint is a directory {@code <store>/<key>/} with {@code params.npz}, one float32 C-order
 * {@code <name>.npy} per tensor in PyTorch layout (e.g. conv weights {@code [out, in, kH, kW]}), and
 * {@code metadata.json} ({@link org.deepdefense.checkpoint.CheckpointMetadata}), whose {@code sha256} is
 * that of params.npz. Tensor names are the model's parameter names; the per-pixel input mean used by
 * {@code per-pixel-mean-subtraction} is the tensor {@code input_mean}. PyTorch users load it with:
 *
 * <pre>{@code
 * import numpy as np, torch
 * params = {name: torch.from_numpy(array) for name, array in np.load("params.npz").items()}
 * }</pre>
 *
 * <p>Files from outside (a user's {@code state_dict} as {@link org.deepdefense.checkpoint.Safetensors safetensors}
 * or NPZ) are read against a {@link org.deepdefense.checkpoint.TensorSchema}: names, dtypes, shapes and offsets are
 * checked before any tensor data is allocated.
 */
package org.deepdefense.checkpoint;
