package org.deepdefense.checkpoint;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The float32 tensors a file from outside must hold, by name and shape. Readers check a file's names and each
 * declared shape against it before they read (or allocate for) any tensor data, so a hostile or mistaken file
 * can make them allocate no more than the schema's own tensors need.
 *
 * @param required tensors that must be present
 * @param optional tensors that may be present (e.g. {@code input_mean})
 */
public record TensorSchema(Map<String, long[]> required, Map<String, long[]> optional) {

    public TensorSchema {
        required = copy(required);
        optional = copy(optional);
        for (String name : optional.keySet()) {
            if (required.containsKey(name)) {
                throw new IllegalArgumentException("tensor '" + name + "' is both required and optional");
            }
        }
    }

    /** Exactly these tensors, as written by a previous save: for reading back one's own files. */
    public static TensorSchema of(List<NamedTensor> tensors) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        tensors.forEach(t -> shapes.put(t.name(), t.shape()));
        return new TensorSchema(shapes, Map.of());
    }

    /** Fails, naming every missing and every unexpected tensor at once, unless {@code names} fit the schema. */
    void checkNames(Collection<String> names) throws IOException {
        List<String> missing = new ArrayList<>();
        required.keySet().forEach(name -> {
            if (!names.contains(name)) {
                missing.add(name);
            }
        });
        List<String> extra = names.stream()
                .filter(name -> !required.containsKey(name) && !optional.containsKey(name))
                .toList();
        if (missing.isEmpty() && extra.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder();
        if (!missing.isEmpty()) {
            message.append("missing tensors ").append(missing);
        }
        if (!extra.isEmpty()) {
            message.append(missing.isEmpty() ? "" : "; ").append("unexpected tensors ").append(extra);
        }
        message.append(" (expected ").append(required.keySet())
                .append(optional.isEmpty() ? "" : ", optionally " + optional.keySet()).append(')');
        throw new IOException(message.toString());
    }

    /** Fails unless {@code name} (already checked by {@link #checkNames}) is declared with its expected shape. */
    void checkShape(String name, long[] shape) throws IOException {
        long[] expected = required.containsKey(name) ? required.get(name) : optional.get(name);
        if (!Arrays.equals(expected, shape)) {
            throw new IOException("tensor '" + name + "' has shape " + Arrays.toString(shape) + ", expected "
                    + Arrays.toString(expected));
        }
    }

    private static Map<String, long[]> copy(Map<String, long[]> shapes) {
        Map<String, long[]> copy = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            NamedTensor.elementCount(shape);
            copy.put(name, shape.clone());
        });
        return Collections.unmodifiableMap(copy);
    }
}
