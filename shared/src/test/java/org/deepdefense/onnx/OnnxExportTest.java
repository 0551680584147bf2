package org.deepdefense.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.ContrastWhitening;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.data.Split;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.Mode;
import org.deepdefense.nn.Network;
import org.deepdefense.train.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ONNX Runtime, an independent implementation, runs the exported model on raw pixels and must give the engine's
 * logits (engine: mean-subtracted inputs through {@link Network#logits}). Fashion-MNIST test images for the
 * one-channel networks, generated colour images at each colour network's input size for the others (32×32 CIFAR
 * networks, 224×224 ResNet-18 and AlexNet, fewer images); freshly seeded weights, as training would not
 * change what is checked, and every BatchNorm given non-trivial statistics and affine parameters.
 */
class OnnxExportTest {
    private static final double TOLERANCE = 1e-4;

    private static NDManager root;
    private static OrtEnvironment ort;

    @BeforeAll
    static void start() {
        root = NDManager.newBaseManager("PyTorch");
        ort = OrtEnvironment.getEnvironment();
    }

    @AfterAll
    static void stop() {
        root.close();
    }

    @ParameterizedTest
    @EnumSource(Architecture.class)
    void onnxRuntimeGivesTheEnginesLogitsOnRawPixels(Architecture architecture) throws Exception {
        boolean colour = architecture.usualInputShape()[0] == 3;
        boolean large = architecture.usualInputShape()[1] > 32;
        DatasetName dataset = colour ? DatasetName.GENERATED : DatasetName.FASHION_MNIST;
        Dataset train = DataSource.load(dataset, Split.TRAIN, null, colour ? (large ? 16 : 200) : null,
                architecture);
        Dataset test = DataSource.load(dataset, Split.TEST, null, colour ? (large ? 2 : 8) : 64, architecture);
        Preprocessor preprocessor = Preprocessor.meanSubtraction(train);
        int n = test.size();
        Shape batch = new Shape(n, test.channels(), test.height(), test.width());
        try (NDManager scope = root.newSubManager();
                Network network = Network.create(architecture, test.channels(), test.height(), test.width(), 10, 5,
                        scope)) {
            if (network.stateDict().keySet().stream().anyMatch(name -> name.endsWith(".running_var"))) {
                int m = Math.min(train.size(), 500);
                giveBatchNormRealStatistics(network, scope.create(preprocessor.apply(train, 0, m),
                        new Shape(m, train.channels(), train.height(), train.width())));
            }
            float[] expected = network.logits(scope.create(preprocessor.apply(test, 0, n), batch)).toFloatArray();
            byte[] model = OnnxExport.toBytes(network, preprocessor, Map.of("dataset", dataset.id()));

            float[] actual = runOnnx(model, test.pixels(0, test.size()), batch.getShape());
            assertEquals(expected.length, actual.length);
            double worst = maxRelativeError(expected, actual, 10);
            System.out.printf(Locale.ROOT, "ONNX Runtime vs engine, %s, %d images: max relative logit error %.2e%n",
                    architecture.id(), n, worst);
            assertTrue(worst <= TOLERANCE, architecture.id() + ": relative logit error " + worst);
        }
    }

    @Test
    void metadataPropsAndOpsetAreReadableByOnnxRuntime() throws Exception {
        try (NDManager scope = root.newSubManager();
                Network network = Network.create(Architecture.MLP, 1, 28, 28, 10, 5, scope)) {
            Preprocessor preprocessor = Preprocessor.fromMean(new float[784], 1, 28, 28);
            Map<String, String> props = new LinkedHashMap<>();
            props.put("dataset", "fashion-mnist");
            props.put("method", "deepdefense");
            props.put("checkpoint_sha256", "ab".repeat(32));
            byte[] model = OnnxExport.toBytes(network, preprocessor, props);
            try (OrtSession session = ort.createSession(model, new OrtSession.SessionOptions())) {
                assertEquals(props, session.getMetadata().getCustomMetadata());
                assertEquals(java.util.Set.of(OnnxExport.INPUT), session.getInputNames());
                assertEquals(java.util.Set.of(OnnxExport.OUTPUT), session.getOutputNames());
                assertEquals("deepdefense", session.getMetadata().getProducerName());
            }
        }
    }

    /** A graph that took raw pixels but skipped the whitening would give wrong logits: refused, with the reason. */
    @Test
    void refusesOfficialCifarPreprocessing() {
        try (NDManager scope = root.newSubManager();
                Network network = Network.create(Architecture.CONVNET, 3, 32, 32, 10, 5, scope)) {
            float[] identity = new float[3072 * 3072];
            for (int i = 0; i < 3072; i++) {
                identity[i * 3072 + i] = 1;
            }
            Preprocessor whitened = Preprocessor.fromMean(new float[3072], 3, 32, 32)
                    .followedBy(ContrastWhitening.of(50, identity, 3072));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> OnnxExport.toBytes(network, whitened, Map.of()));
            assertTrue(e.getMessage().startsWith("ONNX export supports per-pixel-mean-subtraction only; this model's"
                    + " official-cifar preprocessing"), e.getMessage());
        }
    }

    /**
     * Worst over samples of max|onnx − engine| / max|engine| within the sample's logits: relative to the logit
     * scale, so that a logit near zero does not turn rounding noise into a large ratio.
     */
    static double maxRelativeError(float[] expected, float[] actual, int classes) {
        double worst = 0;
        for (int row = 0; row < expected.length / classes; row++) {
            double scale = 0;
            double error = 0;
            for (int j = row * classes; j < (row + 1) * classes; j++) {
                scale = Math.max(scale, Math.abs(expected[j]));
                error = Math.max(error, Math.abs(expected[j] - (double) actual[j]));
            }
            worst = Math.max(worst, error / Math.max(scale, Float.MIN_NORMAL));
        }
        return worst;
    }

    private static float[] runOnnx(byte[] model, float[] rawPixels, long[] shape) throws Exception {
        try (OrtSession session = ort.createSession(model, new OrtSession.SessionOptions());
                OnnxTensor input = OnnxTensor.createTensor(ort, FloatBuffer.wrap(rawPixels, 0,
                        Math.toIntExact(shape[0] * shape[1] * shape[2] * shape[3])), shape);
                OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] logits = (float[][]) result.get(0).getValue();
            float[] flat = new float[logits.length * logits[0].length];
            for (int i = 0; i < logits.length; i++) {
                System.arraycopy(logits[i], 0, flat, i * logits[i].length, logits[i].length);
            }
            return flat;
        }
    }

    /** Running statistics from TRAIN passes over real images, then γ and β away from their 1 and 0. */
    private static void giveBatchNormRealStatistics(Network network, NDArray x) {
        for (int i = 0; i < 3; i++) {
            network.forward(x, Mode.TRAIN);
        }
        SplittableRandom random = new SplittableRandom(3);
        Map<String, float[]> state = network.stateDict();
        // A BatchNorm's γ and β are the weight and bias beside a running_var (bn1.*, layer2.0.downsample.1.*).
        Set<String> batchNorms = state.keySet().stream().filter(name -> name.endsWith(".running_var"))
                .map(name -> name.substring(0, name.length() - "running_var".length()))
                .collect(Collectors.toSet());
        state.forEach((name, values) -> {
            String prefix = name.substring(0, name.lastIndexOf('.') + 1);
            if (batchNorms.contains(prefix) && (name.endsWith(".weight") || name.endsWith(".bias"))) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (name.endsWith(".weight") ? 0.5 + random.nextDouble() : random.nextDouble() - 0.5);
                }
            }
        });
        float[] before = state.get("bn1.running_var").clone();
        network.loadStateDict(state);
        assertTrue(before[0] != 1f, "TRAIN passes updated the running variance");
        assertArrayEquals(before, network.stateDict().get("bn1.running_var"));
    }
}
