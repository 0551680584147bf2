package org.deepdefense.messages;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One method of a {@link SweepRequest} and the values of its strength parameters to try: every combination of
 * them is a point (a grid; a list is several grids of one value each). A strength parameter left out keeps the
 * sweep's base value.
 *
 * @param parameters {@link StrengthParameter} field → distinct values; null means none varied
 */
public record MethodGrid(String method, Map<String, List<Double>> parameters) {
    public static final int MAX_VALUES = 16;

    public MethodGrid {
        Check.oneOf("method", method, Messages.METHODS);
        List<String> allowed = StrengthParameter.of(method).stream().map(StrengthParameter::field).toList();
        Map<String, List<Double>> copy = new LinkedHashMap<>();
        (parameters != null ? parameters : Map.<String, List<Double>>of()).forEach((name, values) -> {
            if (!allowed.contains(name)) {
                throw Check.fail("parameters: %s is not a strength parameter of %s (it has %s)", Check.quote(name),
                        method, allowed.isEmpty() ? "none" : allowed);
            }
            String field = "parameters[" + Check.quote(name) + "]";
            List<Double> checked = Check.distinct(field, values, MAX_VALUES);
            // The range is the hyperparameter's own: one rule, whether in a sweep or a training request.
            for (int i = 0; i < checked.size(); i++) {
                try {
                    Messages.withValues(Hyperparameters.DEFAULTS, Map.of(name, checked.get(i)));
                } catch (InvalidMessageException e) {
                    throw Check.fail("%s[%d]: %s", field, i, e.getMessage());
                }
            }
            copy.put(name, checked);
        });
        parameters = Collections.unmodifiableMap(copy);
    }

    /** How many combinations of strength values this grid holds. */
    long combinations() {
        return parameters.values().stream().mapToLong(List::size).reduce(1, Math::multiplyExact);
    }
}
