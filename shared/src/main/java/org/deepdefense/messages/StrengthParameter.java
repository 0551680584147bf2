package org.deepdefense.messages;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The hyperparameters that set how strongly a method defends, which a {@link SweepRequest} may vary. Each is a field
 * of {@link Hyperparameters} (same name) and belongs to the methods that read it; {@code tag} is its part of a
 * sweep point's run id ({@code l15} for λ = 15).
 */
public enum StrengthParameter {
    LAMBDA("lambda", "l", Hyperparameters::lambda, "deepdefense"),
    C("c", "c", Hyperparameters::c, "deepdefense"),
    D("d", "d", Hyperparameters::d, "deepdefense"),
    ADVERSARIAL_EPSILON("adversarialEpsilon", "eps", Hyperparameters::adversarialEpsilon, "fgs-adv"),
    ADVERSARIAL_RATIO("adversarialRatio", "r", Hyperparameters::adversarialRatio, "fgs-adv", "deepfool-adv"),
    PARSEVAL_BETA("parsevalBeta", "b", Hyperparameters::parsevalBeta, "parseval");

    private final String field;
    private final String tag;
    private final ToDoubleFunction<Hyperparameters> value;
    private final List<String> methods;

    StrengthParameter(String field, String tag, ToDoubleFunction<Hyperparameters> value, String... methods) {
        this.field = field;
        this.tag = tag;
        this.value = value;
        this.methods = List.of(methods);
    }

    /** The name of the {@link Hyperparameters} field, as it is spelled in JSON. */
    public String field() {
        return field;
    }

    String tag() {
        return tag;
    }

    /** The strength parameters {@code method} reads, in declaration order (none for vanilla). */
    public static List<StrengthParameter> of(String method) {
        return Arrays.stream(values()).filter(p -> p.methods.contains(method)).toList();
    }

    /** The fields of {@link #of(String) method's} strength parameters and their values in {@code hyperparameters}. */
    public static Map<String, Double> valuesOf(String method, Hyperparameters hyperparameters) {
        Map<String, Double> values = new LinkedHashMap<>();
        of(method).forEach(p -> values.put(p.field, p.value.applyAsDouble(hyperparameters)));
        return values;
    }
}
