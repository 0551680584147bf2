package org.deepdefense.messages;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * JSON codec of the Kafka records. Parsing is strict: unknown fields, duplicate keys, type coercions
 * ({@code "5"} for 5, 5.0 for an integer, 1 for {@code true}) and oversized input are rejected with an
 * {@link InvalidMessageException} whose message says which field is wrong and why. The value rules
 * themselves live in the records' constructors, so a record that exists is a valid one.
 */
public final class Messages {

    public static final int SCHEMA_VERSION = 1;
    public static final int MAX_RECORD_BYTES = 1024 * 1024;

    public static final List<String> DATASETS = List.of("mnist", "fashion-mnist", "cifar10", "generated", "imagefolder");
    public static final List<String> ARCHITECTURES =
            List.of("mlp", "mlp-bn", "lenet", "convnet", "nin", "resnet18-cifar", "resnet18", "alexnet");
    public static final List<String> METHODS =
            List.of("vanilla", "deepdefense", "parseval", "fgs-adv", "deepfool-adv");
    public static final List<String> LR_SCHEDULES = java.util.Arrays.stream(
            org.deepdefense.train.LearningRateSchedule.values()).map(org.deepdefense.train.LearningRateSchedule::id)
            .toList();
    /** What an {@code attacks} list may name: registered attacks and the suite presets. */
    public static final List<String> ATTACKS = org.deepdefense.attack.AttackSuite.vocabulary();

    private static final JsonMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(16)
                            // A dead letter carries up to 64 KiB of payload as base64 (87 384 characters).
                            .maxStringLength(128 * 1024)
                            .maxNameLength(256)
                            .maxNumberLength(64)
                            .build())
                    .build())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                    DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES, // also catches absent primitives
                    DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY,
                    DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS) // "5" -> 5, "true" -> true
            .withCoercionConfig(LogicalType.Textual, config -> config // 5 -> "5"
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(LogicalType.Boolean, config -> config // 1 -> true
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .build();

    private Messages() {
    }

    public static TrainingRequest parseTrainingRequest(byte[] json) {
        return parse(json, TrainingRequest.class);
    }

    public static TrainingProgress parseTrainingProgress(byte[] json) {
        return parse(json, TrainingProgress.class);
    }

    public static CheckpointPublished parseCheckpointPublished(byte[] json) {
        return parse(json, CheckpointPublished.class);
    }

    public static AttackResult parseAttackResult(byte[] json) {
        return parse(json, AttackResult.class);
    }

    public static RobustnessReportMessage parseRobustnessReport(byte[] json) {
        return parse(json, RobustnessReportMessage.class);
    }

    public static AttackShard parseAttackShard(byte[] json) {
        return parse(json, AttackShard.class);
    }

    public static ShardResult parseShardResult(byte[] json) {
        return parse(json, ShardResult.class);
    }

    public static ShardPlan parseShardPlan(byte[] json) {
        return parse(json, ShardPlan.class);
    }

    /**
     * A record of the shard-results topic, which carries {@link ShardPlan}s and {@link ShardResult}s: a JSON object
     * with a {@code boundaries} field is read as a plan, anything else as a result.
     */
    public static Message parseShardOutput(byte[] json) {
        boolean plan = json != null && json.length > 0 && json.length <= MAX_RECORD_BYTES
                && readTree(json).has(ShardPlan.DISCRIMINATOR);
        return plan ? parseShardPlan(json) : parseShardResult(json);
    }

    public static SweepRequest parseSweepRequest(byte[] json) {
        return parse(json, SweepRequest.class);
    }

    public static DeadLetter parseDeadLetter(byte[] json) {
        return parse(json, DeadLetter.class);
    }

    /** Parses and validates one record of the given type; a null payload (a tombstone) is rejected too. */
    public static <T extends Message> T parse(byte[] json, Class<T> type) {
        if (json == null || json.length == 0) {
            throw Check.fail("empty record: expected a %s", type.getSimpleName());
        }
        checkSize(json.length);
        JsonNode tree = readTree(json);
        if (!tree.isObject()) {
            throw Check.fail("expected a JSON object (a %s), got %s", type.getSimpleName(), describe(tree));
        }
        // Checked before binding so that a newer record is reported as such, not as having unknown fields.
        JsonNode version = tree.get("schemaVersion");
        if (version == null) {
            throw Check.fail("missing schemaVersion");
        }
        if (!version.isInt()) {
            throw Check.fail("schemaVersion must be an integer, got %s", describe(version));
        }
        Check.schemaVersion(version.intValue());
        try {
            return MAPPER.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            throw explain(e, tree);
        } catch (JsonProcessingException e) {
            throw Check.fail("unreadable %s: %s", type.getSimpleName(), e.getOriginalMessage());
        }
    }

    /** The record as UTF-8 JSON; the size limit applies to writing too, so no consumer sees an oversized record. */
    public static byte[] toJson(Message message) {
        try {
            byte[] json = MAPPER.writeValueAsBytes(message);
            checkSize(json.length);
            return json;
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e); // records of strings, numbers, lists and maps always serialise
        }
    }

    /**
     * {@code base} with some fields replaced ({@code "lambda"} → 45.0, {@code "epochs"} → 3), checked by the same
     * rules as a parsed record: a value out of range is refused with the field's own reason.
     */
    static Hyperparameters withValues(Hyperparameters base, Map<String, ?> values) {
        ObjectNode tree = MAPPER.valueToTree(base);
        values.forEach((field, value) -> tree.set(field, MAPPER.valueToTree(value)));
        try {
            return MAPPER.treeToValue(tree, Hyperparameters.class);
        } catch (JsonMappingException e) {
            throw explain(e, tree);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e); // a tree of numbers and booleans always binds or fails a rule
        }
    }

    private static void checkSize(int bytes) {
        if (bytes > MAX_RECORD_BYTES) {
            throw Check.fail("record is %d bytes, more than the limit of %d", bytes, MAX_RECORD_BYTES);
        }
    }

    private static JsonNode readTree(byte[] json) {
        try {
            return MAPPER.readTree(json);
        } catch (StreamConstraintsException e) {
            throw Check.fail("JSON exceeds a limit: %s", e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw Check.fail("malformed JSON at line %d, column %d: %s",
                    at.getLineNr(), at.getColumnNr(), e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e); // reading a byte array does no I/O
        }
    }

    /** Turns Jackson's binding failure into a reason that names the field as it is spelled in the JSON. */
    private static InvalidMessageException explain(JsonMappingException e, JsonNode tree) {
        var field = new StringBuilder();
        JsonPointer pointer = JsonPointer.empty();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                field.append(field.isEmpty() ? "" : ".").append(ref.getFieldName());
                pointer = pointer.appendProperty(ref.getFieldName());
            } else {
                field.append('[').append(ref.getIndex()).append(']');
                pointer = pointer.appendIndex(ref.getIndex());
            }
        }
        if (e instanceof ValueInstantiationException && e.getCause() instanceof InvalidMessageException rule) {
            // A nested record's rule knows its own field names only; prefix where it sits.
            return field.isEmpty() ? rule : new InvalidMessageException(field + ": " + rule.getMessage());
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return Check.fail("unknown field '%s' (known: %s)", field, new TreeSet<>(unknown.getKnownPropertyIds()));
        }
        JsonNode node = tree.at(pointer);
        if (node.isMissingNode()) {
            return Check.fail("missing field '%s'", field);
        }
        Class<?> target = e instanceof MismatchedInputException mismatch ? mismatch.getTargetType()
                : e.getCause() instanceof InputCoercionException coercion ? coercion.getTargetType()
                : null;
        if (target == null) {
            return Check.fail("invalid field '%s': %s", field, e.getOriginalMessage());
        }
        return Check.fail("'%s' must be %s, got %s", field, expected(target), describe(node));
    }

    private static String expected(Class<?> type) {
        if (type == int.class || type == Integer.class) {
            return "a 32-bit integer";
        } else if (type == long.class || type == Long.class) {
            return "a 64-bit integer";
        } else if (type == double.class || type == Double.class) {
            return "a number";
        } else if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        } else if (type == String.class) {
            return "a string";
        } else if (Collection.class.isAssignableFrom(type)) {
            return "an array";
        } else if (Map.class.isAssignableFrom(type) || type.isRecord()) {
            return "an object";
        }
        return "a " + type.getSimpleName();
    }

    private static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case STRING -> "string " + Check.quote(node.textValue());
            case NUMBER -> "number " + node.numberValue();
            case BOOLEAN -> "boolean " + node.booleanValue();
            case NULL -> "null";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            default -> node.getNodeType().toString().toLowerCase();
        };
    }
}
