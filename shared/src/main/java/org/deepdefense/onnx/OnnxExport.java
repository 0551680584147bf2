package org.deepdefense.onnx;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.data.Preprocessing;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.AvgPool2d;
import org.deepdefense.nn.BatchNorm;
import org.deepdefense.nn.Conv2d;
import org.deepdefense.nn.Dropout;
import org.deepdefense.nn.Flatten;
import org.deepdefense.nn.GlobalAvgPool2d;
import org.deepdefense.nn.Layer;
import org.deepdefense.nn.Linear;
import org.deepdefense.nn.MaxPool2d;
import org.deepdefense.nn.Network;
import org.deepdefense.nn.Parameter;
import org.deepdefense.nn.Relu;
import org.deepdefense.nn.Residual;
import org.deepdefense.nn.StridedMaxPool2d;

/**
 * A network as an ONNX model (opset {@value #OPSET}) that takes raw 0–255 pixels: its first node subtracts the
 * stored training mean, then one node per layer follows the engine's forward pass in EVAL mode (BatchNorm with
 * running statistics). Inputs {@value #INPUT} (batch, C, H, W), output {@value #OUTPUT} (batch, classes).
 * Initializers keep the state_dict names, plus {@code input_mean}.
 *
 * <p>Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto,
 * ValueInfoProto, TypeProto, TensorShapeProto, OperatorSetIdProto, StringStringEntryProto).
 */
public final class OnnxExport {
    public static final int OPSET = 13;
    public static final String INPUT = "pixels";
    public static final String OUTPUT = "logits";
    /** IR version 7 is the first that opset 13 may be used with; every ONNX Runtime since 1.6 reads it. */
    private static final long IR_VERSION = 7;
    private static final int FLOAT = 1;
    private static final int ATTRIBUTE_FLOAT = 1;
    private static final int ATTRIBUTE_INT = 2;
    private static final int ATTRIBUTE_INTS = 7;
    private static final String MEAN = "input_mean";

    private OnnxExport() {}

    /** Writes the model atomically; {@code metadata} becomes the model's metadata_props, in order. */
    public static void write(Path file, Network network, Preprocessor preprocessor, Map<String, String> metadata)
            throws IOException {
        byte[] model = toBytes(network, preprocessor, metadata);
        AtomicFiles.write(file, out -> out.write(model));
    }

    /** The serialised ModelProto. */
    public static byte[] toBytes(Network network, Preprocessor preprocessor, Map<String, String> metadata) {
        if (preprocessor.whitening().isPresent()) {
            // The graph's contract is raw pixels in; a graph without the per-image normalisation and whitening
            // would silently give wrong logits.
            throw new IllegalArgumentException("ONNX export supports " + Preprocessing.MEAN_SUBTRACTION.id()
                    + " only; this model's " + preprocessor.kind().id() + " preprocessing (per-image contrast"
                    + " normalisation and ZCA whitening) is not part of the graph. Export npz or safetensors: they"
                    + " carry input_mean, input_contrast_scale and input_whitening");
        }
        ProtoWriter graph = new ProtoWriter().string(2, network.architecture().id());
        long[] sample = network.inputShape().getShape();
        graph.message(5, tensor(MEAN, sample, preprocessor.mean()));
        for (Parameter p : network.parameters()) {
            graph.message(5, tensor(p.name(), p.value().getShape().getShape(), p.value().toFloatArray()));
        }
        List<ProtoWriter> nodes = new ArrayList<>();
        String value = "centered";
        nodes.add(node("Sub", "subtract_input_mean", List.of(INPUT, MEAN), value));
        List<Layer> layers = network.layers();
        for (int i = 0; i < layers.size(); i++) {
            String output = i == layers.size() - 1 ? OUTPUT : "x" + (i + 1);
            emit(layers.get(i), "layer" + (i + 1), value, output, nodes);
            value = output;
        }
        nodes.forEach(n -> graph.message(1, n));
        long[] input = new long[sample.length + 1];
        input[0] = -1;
        System.arraycopy(sample, 0, input, 1, sample.length);
        graph.message(11, valueInfo(INPUT, input));
        graph.message(12, valueInfo(OUTPUT, new long[] {-1, network.numClasses()}));

        ProtoWriter model = new ProtoWriter()
                .varint(1, IR_VERSION)
                .string(2, "deepdefense")
                .string(3, "0.1.0")
                .message(8, new ProtoWriter().string(1, "").varint(2, OPSET))
                .string(6, "Deep Defense " + network.architecture().id() + "; input: raw 0-255 pixels, "
                        + "the training mean is subtracted by the first node")
                .message(7, graph);
        metadata.forEach((key, text) -> model.message(14, new ProtoWriter().string(1, key).string(2, text)));
        return model.toByteArray();
    }

    /** The nodes of one layer; a residual block is its two chains and an Add. */
    private static void emit(Layer layer, String name, String input, String output, List<ProtoWriter> nodes) {
        if (layer instanceof Residual block) {
            String main = chain(block.branch(), name + "_branch", input, nodes);
            String skip = chain(block.shortcut(), name + "_shortcut", input, nodes);
            nodes.add(node("Add", name, List.of(main, skip), output));
        } else {
            nodes.add(layerNode(layer, name, input, output));
        }
    }

    /** Layers one after the other; returns the last value's name ({@code input} itself for the identity). */
    private static String chain(List<Layer> layers, String prefix, String input, List<ProtoWriter> nodes) {
        String value = input;
        for (int i = 0; i < layers.size(); i++) {
            String output = prefix + (i + 1);
            emit(layers.get(i), output, value, output, nodes);
            value = output;
        }
        return value;
    }

    private static ProtoWriter layerNode(Layer layer, String name, String input, String output) {
        if (layer instanceof Linear linear) {
            ProtoWriter gemm = node("Gemm", name, withParameters(input, linear), output);
            // Gemm computes A·Bᵀ with transB = 1: the weight stays in PyTorch's (out, in) layout.
            return gemm.message(5, intAttribute("transB", 1));
        }
        if (layer instanceof Conv2d conv) {
            int k = conv.kernel();
            int p = conv.padding();
            int s = conv.stride();
            return node("Conv", name, withParameters(input, conv), output)
                    .message(5, intsAttribute("kernel_shape", k, k))
                    .message(5, intsAttribute("pads", p, p, p, p))
                    .message(5, intsAttribute("strides", s, s));
        }
        if (layer instanceof BatchNorm bn) {
            // Inputs X, scale, B, mean, var: the order of the state_dict (weight, bias, running_mean, running_var).
            return node("BatchNormalization", name, withParameters(input, bn), output)
                    .message(5, floatAttribute("epsilon", BatchNorm.EPS));
        }
        if (layer instanceof MaxPool2d pool) {
            return pooling("MaxPool", name, input, output, pool.kernel(), pool.kernel());
        }
        if (layer instanceof StridedMaxPool2d pool) {
            int p = pool.padding();
            return pooling("MaxPool", name, input, output, pool.kernel(), pool.stride())
                    .message(5, intsAttribute("pads", p, p, p, p));
        }
        if (layer instanceof GlobalAvgPool2d) {
            return node("GlobalAveragePool", name, List.of(input), output);
        }
        if (layer instanceof AvgPool2d pool) {
            return pooling("AveragePool", name, input, output, pool.kernel(), pool.kernel());
        }
        if (layer instanceof Dropout) {
            return node("Identity", name, List.of(input), output); // the graph is the EVAL-mode forward pass
        }
        if (layer instanceof Relu) {
            return node("Relu", name, List.of(input), output);
        }
        if (layer instanceof Flatten) {
            return node("Flatten", name, List.of(input), output).message(5, intAttribute("axis", 1));
        }
        throw new IllegalArgumentException("no ONNX form for layer " + layer.getClass().getSimpleName());
    }

    private static List<String> withParameters(String input, Layer layer) {
        List<String> inputs = new ArrayList<>(List.of(input));
        layer.parameters().forEach(p -> inputs.add(p.name()));
        return inputs;
    }

    private static ProtoWriter pooling(String op, String name, String input, String output, int k, int stride) {
        return node(op, name, List.of(input), output)
                .message(5, intsAttribute("kernel_shape", k, k))
                .message(5, intsAttribute("strides", stride, stride));
    }

    private static ProtoWriter node(String op, String name, List<String> inputs, String output) {
        ProtoWriter node = new ProtoWriter();
        inputs.forEach(i -> node.string(1, i));
        return node.string(2, output).string(3, name).string(4, op);
    }

    private static ProtoWriter intAttribute(String name, long value) {
        return new ProtoWriter().string(1, name).varint(20, ATTRIBUTE_INT).varint(3, value);
    }

    private static ProtoWriter intsAttribute(String name, long... values) {
        return new ProtoWriter().string(1, name).varint(20, ATTRIBUTE_INTS).varints(8, values);
    }

    private static ProtoWriter floatAttribute(String name, float value) {
        return new ProtoWriter().string(1, name).varint(20, ATTRIBUTE_FLOAT).float32(2, value);
    }

    private static ProtoWriter tensor(String name, long[] shape, float[] data) {
        ByteBuffer raw = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(data);
        return new ProtoWriter().varints(1, shape).varint(2, FLOAT).string(8, name).bytes(9, raw.array());
    }

    /** A float tensor value; a negative dimension is the symbolic batch size. */
    private static ProtoWriter valueInfo(String name, long[] shape) {
        ProtoWriter dims = new ProtoWriter();
        for (long dim : shape) {
            dims.message(1, dim < 0 ? new ProtoWriter().string(2, "batch") : new ProtoWriter().varint(1, dim));
        }
        ProtoWriter tensorType = new ProtoWriter().varint(1, FLOAT).message(2, dims);
        return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
    }
}
