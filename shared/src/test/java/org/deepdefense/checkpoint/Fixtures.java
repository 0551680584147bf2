package org.deepdefense.checkpoint;

import java.util.List;
import java.util.Map;

/** Small tensors and metadata shared by the checkpoint tests. */
final class Fixtures {

    private Fixtures() {
    }

    static List<NamedTensor> tensors() {
        return List.of(
                new NamedTensor("conv1.weight", new long[] {2, 1, 2, 2}, new float[] {1, -2, 3.5f, 4, 5, 6, 7, -8e-7f}),
                new NamedTensor("fc.bias", new long[] {3}, new float[] {0.1f, Float.MAX_VALUE, -0f}),
                new NamedTensor(Checkpoint.INPUT_MEAN_TENSOR, new long[] {1, 2, 2}, new float[] {0.5f, 0.25f, 0, 1}));
    }

    static CheckpointMetadata metadata(String runId, int epoch, int stepInEpoch, boolean isFinal) {
        return new CheckpointMetadata(CheckpointMetadata.SCHEMA_VERSION, runId, "lenet", "mnist", "deepdefense",
                "per-pixel-mean-subtraction", new int[] {1, 28, 28}, 10,
                Map.of("lambda", 15.0, "batchSize", 128), epoch, stepInEpoch, 42L, Map.of("trainLoss", 0.25),
                isFinal, "cpu()", "2024-05-01T12:00:00Z", null, null);
    }
}
