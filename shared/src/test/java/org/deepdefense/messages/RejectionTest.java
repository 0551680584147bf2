package org.deepdefense.messages;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every class of bad record, each with the exact reason a user or a dead-letter reader gets. */
class RejectionTest {

    private static final Message REQUEST = Samples.request();
    private static final Message IMAGE_FOLDER_REQUEST = Samples.imageFolderRequest();
    private static final Message PROGRESS = Samples.progress();
    private static final Message CHECKPOINT = Samples.checkpoint();
    private static final Message ATTACK = Samples.attackResult();
    private static final Message REPORT = Samples.report();
    private static final Message DEAD_LETTER = Samples.deadLetter();
    private static final Message SHARD = Samples.shard();
    private static final Message SHARD_RESULT = Samples.shardResult();
    private static final Message SHARD_PLAN = Samples.shardPlan();
    private static final Message SWEEP = Samples.sweep();

    /** The sample with one field replaced by a JSON value, or removed when the value is null. */
    private static Arguments edit(Message sample, String path, String json, String reason) {
        return Arguments.of(sample.getClass().getSimpleName() + " " + path + " = " + json,
                sample.getClass(), Samples.with(sample, path, json), reason);
    }

    /** The JSON array [1, 2, …, n]. */
    private static String range(int n) {
        return java.util.stream.IntStream.rangeClosed(1, n).boxed().toList().toString();
    }

    private static Arguments raw(String what, byte[] json, String reason) {
        return Arguments.of(what, TrainingRequest.class, json, reason);
    }

    private static Arguments raw(String what, String json, String reason) {
        return raw(what, json.getBytes(UTF_8), reason);
    }

    /** Parser failures: the reason's start is ours, the rest is Jackson's wording and may change with it. */
    static Stream<Arguments> badJson() {
        String valid = new String(Messages.toJson(REQUEST), UTF_8);
        return Stream.of(
                raw("null payload", (byte[]) null, "empty record: expected a TrainingRequest"),
                raw("truncated", "{\"schemaVersion\": 1,", "malformed JSON at line 1, column 21: Unexpected end-of-input"),
                raw("not UTF-8", new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xFF, '"', '}'}, "malformed JSON at line 1, column 8: Invalid UTF-8 start byte 0xff"),
                raw("trailing tokens", valid + "{}", "malformed JSON at line 1, column " + (valid.length() + 1) + ": Trailing token"),
                raw("array", "[1]", "expected a JSON object (a TrainingRequest), got an array"),
                raw("NaN literal", "{\"seed\": NaN}", "malformed JSON at line 1, column 13: Non-standard token 'NaN'"),
                raw("duplicate key", "{\"runId\": \"a\", \"runId\": \"b\"}", "malformed JSON at line 1, column 25: Duplicate field 'runId'"),
                raw("too deep", "[".repeat(17) + "]".repeat(17), "JSON exceeds a limit: Document nesting depth (17) exceeds the maximum allowed (16"),
                raw("long number", "{\"seed\": 1" + "0".repeat(70) + "}", "JSON exceeds a limit: Number value length (71) exceeds the maximum allowed (64"),
                raw("long string", "{\"runId\": \"" + "x".repeat(200_000) + "\"}", "JSON exceeds a limit: String value length"),
                raw("over 1 MiB", " ".repeat(Messages.MAX_RECORD_BYTES) + "{}", "record is 1048578 bytes, more than the limit of 1048576"));
    }

    static Stream<Arguments> badRecords() {
        String sha = Samples.SHA;
        return Stream.of(
                // schema version
                edit(REQUEST, "schemaVersion", null, "missing schemaVersion"),
                edit(REQUEST, "schemaVersion", "\"1\"", "schemaVersion must be an integer, got string '1'"),
                edit(REQUEST, "schemaVersion", "2", "unsupported schemaVersion 2 (this build reads 1)"),
                edit(REQUEST, "schemaVersion", "1.0", "schemaVersion must be an integer, got number 1.0"),
                // unknown and missing fields
                edit(REQUEST, "runID", "\"x\"", "unknown field 'runID' (known: [architecture, attacks, baseCheckpoint, baseCheckpointSha256, dataset, datasetRoot, hyperparameters, method, runId, schemaVersion, seed, sweepId, testSubset, trainSubset])"),
                edit(REQUEST, "hyperparameters.epoch", "3", "unknown field 'hyperparameters.epoch' (known: [adversarialEpsilon, adversarialRatio, batchSize, c, d, deepFoolIterations, epochs, lambda, learningRate, lrSchedule, momentum, overshoot, parsevalBeta, weightDecay])"),
                edit(REQUEST, "seed", null, "missing field 'seed'"),
                edit(REQUEST, "runId", null, "runId is required"),
                // no coercion between types
                edit(REQUEST, "hyperparameters.epochs", "\"5\"", "'hyperparameters.epochs' must be a 32-bit integer, got string '5'"),
                edit(REQUEST, "hyperparameters.epochs", "5.0", "'hyperparameters.epochs' must be a 32-bit integer, got number 5.0"),
                edit(REQUEST, "hyperparameters.epochs", "true", "'hyperparameters.epochs' must be a 32-bit integer, got boolean true"),
                edit(REQUEST, "hyperparameters.epochs", "4294967296", "'hyperparameters.epochs' must be a 32-bit integer, got number 4294967296"),
                edit(REQUEST, "hyperparameters.learningRate", "\"0.1\"", "'hyperparameters.learningRate' must be a number, got string '0.1'"),
                edit(REQUEST, "hyperparameters.lrSchedule", "true", "'hyperparameters.lrSchedule' must be a string, got boolean true"),
                edit(REQUEST, "hyperparameters", "5", "'hyperparameters' must be an object, got number 5"),
                edit(REQUEST, "seed", "1e3", "'seed' must be a 64-bit integer, got number 1000.0"),
                edit(REQUEST, "seed", "null", "'seed' must be a 64-bit integer, got null"),
                edit(REQUEST, "runId", "5", "'runId' must be a string, got number 5"),
                edit(REQUEST, "attacks", "\"fgs\"", "'attacks' must be an array, got string 'fgs'"),
                edit(REQUEST, "attacks", "[1]", "'attacks[0]' must be a string, got number 1"),
                edit(REQUEST, "trainSubset", "\"100\"", "'trainSubset' must be a 32-bit integer, got string '100'"),
                // identifiers and vocabularies
                edit(REQUEST, "runId", "\"-run\"", "runId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got '-run'"),
                edit(REQUEST, "runId", "\"run 1\"", "runId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got 'run 1'"),
                edit(REQUEST, "runId", "\"" + "r".repeat(65) + "\"", "runId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got '" + "r".repeat(65) + "'"),
                edit(REQUEST, "runId", "\"a\\nb\"", "runId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got 'a\\u000ab'"),
                edit(REQUEST, "dataset", "\"imagenet\"", "dataset must be one of [mnist, fashion-mnist, cifar10, generated, imagefolder], got 'imagenet'"),
                edit(REQUEST, "architecture", "\"resnet\"", "architecture must be one of " + Messages.ARCHITECTURES + ", got 'resnet'"),
                edit(REQUEST, "hyperparameters.lrSchedule", "\"halve\"", "hyperparameters: lrSchedule must be one of [last-epoch, official-0.8, constant], got 'halve'"),
                edit(REQUEST, "method", "\"DeepDefense\"", "method must be one of [vanilla, deepdefense, parseval, fgs-adv, deepfool-adv], got 'DeepDefense'"),
                edit(REQUEST, "attacks", "[\"fgs\", \"cw\"]", "attacks[1] must be one of " + Messages.ATTACKS + ", got 'cw'"),
                edit(REQUEST, "attacks", "[\"fgs\", \"fgs\"]", "attacks lists 'fgs' twice"),
                edit(REQUEST, "attacks", "[]", "attacks must not be empty"),
                edit(REQUEST, "attacks", "[null]", "attacks[0] is required"),
                // ranges
                edit(REQUEST, "hyperparameters.epochs", "0", "hyperparameters: epochs must be in 1..200, got 0"),
                edit(REQUEST, "hyperparameters.epochs", "201", "hyperparameters: epochs must be in 1..200, got 201"),
                edit(REQUEST, "hyperparameters.batchSize", "1025", "hyperparameters: batchSize must be in 1..1024, got 1025"),
                edit(REQUEST, "hyperparameters.learningRate", "0", "hyperparameters: learningRate must be a finite number in (0, 1], got 0.0"),
                edit(REQUEST, "hyperparameters.learningRate", "1e400", "hyperparameters: learningRate must be a finite number in (0, 1], got Infinity"),
                edit(REQUEST, "hyperparameters.momentum", "1", "hyperparameters: momentum must be a finite number in [0, 1), got 1.0"),
                edit(REQUEST, "hyperparameters.weightDecay", "0.2", "hyperparameters: weightDecay must be a finite number in [0, 0.1], got 0.2"),
                edit(REQUEST, "hyperparameters.lambda", "-1", "hyperparameters: lambda must be a finite number in [0, 1000], got -1.0"),
                edit(REQUEST, "hyperparameters.c", "0", "hyperparameters: c must be a finite number in (0, 1000], got 0.0"),
                edit(REQUEST, "hyperparameters.d", "1001", "hyperparameters: d must be a finite number in [0, 1000], got 1001.0"),
                edit(REQUEST, "hyperparameters.deepFoolIterations", "51", "hyperparameters: deepFoolIterations must be in 1..50, got 51"),
                edit(REQUEST, "hyperparameters.overshoot", "-1e400", "hyperparameters: overshoot must be a finite number in [0, 1], got -Infinity"),
                edit(REQUEST, "trainSubset", "0", "trainSubset must be in 1..60000, got 0"),
                edit(REQUEST, "testSubset", "60001", "testSubset must be in 1..60000, got 60001"),
                // base checkpoint: store key and checksum
                // an image folder's root: store-relative, and only with dataset imagefolder
                edit(REQUEST, "datasetRoot", "\"imagenet\"", "datasetRoot must be given exactly when dataset is imagefolder"),
                edit(IMAGE_FOLDER_REQUEST, "datasetRoot", null, "datasetRoot must be given exactly when dataset is imagefolder"),
                edit(IMAGE_FOLDER_REQUEST, "datasetRoot", "\"/data/imagenet\"", "datasetRoot must be a store-relative key but is absolute: '/data/imagenet'"),
                edit(IMAGE_FOLDER_REQUEST, "datasetRoot", "\"imagenet/../../etc\"", "datasetRoot must be a store-relative key but contains '..': 'imagenet/../../etc'"),
                edit(IMAGE_FOLDER_REQUEST, "datasetRoot", "\"a\\\\b\"", "datasetRoot must be a store-relative key but contains a backslash: 'a\\b'"),
                edit(REQUEST, "baseCheckpoint", "\"/etc/passwd\"", "baseCheckpoint must be a store-relative key but is absolute: '/etc/passwd'"),
                edit(REQUEST, "baseCheckpoint", "\"a/../b\"", "baseCheckpoint must be a store-relative key but contains '..': 'a/../b'"),
                edit(REQUEST, "baseCheckpoint", "\"a\\\\b\"", "baseCheckpoint must be a store-relative key but contains a backslash: 'a\\b'"),
                edit(REQUEST, "baseCheckpoint", "\"a/%2e%2e/b\"", "baseCheckpoint must be a store-relative key but contains '%': 'a/%2e%2e/b'"),
                edit(REQUEST, "baseCheckpoint", "\"a\\u0000b\"", "baseCheckpoint must be a store-relative key but contains a control character: 'a\\u0000b'"),
                edit(REQUEST, "baseCheckpoint", "\"a//b\"", "baseCheckpoint must be a store-relative key but has segment '' not matching [A-Za-z0-9][A-Za-z0-9._-]{0,127}: 'a//b'"),
                edit(REQUEST, "baseCheckpoint", "\"C:/x\"", "baseCheckpoint must be a store-relative key but has segment 'C:' not matching [A-Za-z0-9][A-Za-z0-9._-]{0,127}: 'C:/x'"),
                edit(REQUEST, "baseCheckpoint", "\"\"", "baseCheckpoint must be a store-relative key but is empty: ''"),
                edit(REQUEST, "baseCheckpoint", "null", "baseCheckpointSha256 must be given exactly when baseCheckpoint is"),
                edit(REQUEST, "baseCheckpointSha256", null, "baseCheckpointSha256 must be given exactly when baseCheckpoint is"),
                edit(REQUEST, "baseCheckpointSha256", "\"" + sha.toUpperCase() + "\"", "baseCheckpointSha256 must be 64 lowercase hex digits, got '" + sha.toUpperCase() + "'"),
                edit(REQUEST, "baseCheckpointSha256", "\"" + sha.substring(1) + "\"", "baseCheckpointSha256 must be 64 lowercase hex digits, got '" + sha.substring(1) + "'"),
                // progress
                edit(PROGRESS, "status", "\"done\"", "status must be one of [running, succeeded, failed], got 'done'"),
                edit(PROGRESS, "epoch", "6", "epoch must be in 0..5, got 6"),
                edit(PROGRESS, "step", "601", "step must be in 0..600, got 601"),
                edit(PROGRESS, "accuracy", "1.5", "accuracy must be a finite number in [0, 1], got 1.5"),
                edit(PROGRESS, "loss", "-0.1", "loss must be a finite number in [0, inf), got -0.1"),
                edit(PROGRESS, "status", "\"failed\"", "message is required"),
                edit(PROGRESS, "device", "\" \"", "device must be non-blank text of at most 64 characters, got ' '"),
                edit(PROGRESS, "timestamp", "\"yesterday\"", "timestamp must be an ISO-8601 instant such as 2025-01-31T12:00:00Z, got 'yesterday'"),
                // checkpoints
                edit(CHECKPOINT, "storeKey", "\"../escape\"", "storeKey must be a store-relative key but contains '..': '../escape'"),
                edit(CHECKPOINT, "sha256", "\"abc\"", "sha256 must be 64 lowercase hex digits, got 'abc'"),
                edit(CHECKPOINT, "epoch", "-1", "epoch must be in 0..200, got -1"),
                edit(CHECKPOINT, "attacks", null, "attacks is required"),
                edit(CHECKPOINT, "finalCheckpoint", "\"yes\"", "'finalCheckpoint' must be true or false, got string 'yes'"),
                edit(CHECKPOINT, "metadata", "[]", "'metadata' must be an object, got an array"),
                // the image folder's root travels with every record about its data
                edit(CHECKPOINT, "datasetRoot", "\"imagenet\"", "datasetRoot must be given exactly when dataset is imagefolder"),
                edit(SHARD, "datasetRoot", "\"imagenet\"", "datasetRoot must be given exactly when dataset is imagefolder"),
                edit(SHARD, "dataset", "\"imagefolder\"", "datasetRoot must be given exactly when dataset is imagefolder"),
                edit(SWEEP, "dataset", "\"imagefolder\"", "datasetRoot must be given exactly when dataset is imagefolder"),
                // attack results
                edit(ATTACK, "attack", "\"cw\"", "attack must be one of " + Messages.ATTACKS + ", got 'cw'"),
                edit(ATTACK, "values", "{}", "values must not be empty"),
                edit(ATTACK, "values", "{\"rho2\": null}", "values['rho2'] is required"),
                edit(ATTACK, "values", "{\"rho2\": \"0.1\"}", "'values.rho2' must be a number, got string '0.1'"),
                edit(ATTACK, "samples", "0", "samples must be at least 1, got 0"),
                edit(ATTACK, "seconds", "-1", "seconds must be a finite number in [0, inf), got -1.0"),
                // attack shards and their results
                edit(SHARD, "shard", "5", "shard must be in 0..4, got 5"),
                edit(SHARD, "shards", "0", "shards must be in 1..10000, got 0"),
                edit(SHARD, "to", "2000", "to must be at least 2001, got 2000"),
                edit(SHARD, "to", "5001", "to must be at most testSubset 5000, got 5001"),
                edit(SHARD, "storeKey", "\"../x\"", "storeKey must be a store-relative key but contains '..': '../x'"),
                edit(SHARD, "options", null, "options is required"),
                edit(SHARD, "options.batchSize", "0", "options: batchSize must be in 1..1024, got 0"),
                edit(SHARD, "options.linfBudgets", "[0]", "options: linfBudgets[0] must be a finite number in (0, inf), got 0.0"),
                edit(SHARD, "options.l2Budgets", "[1, 1]", "options: l2Budgets lists 1.0 twice"),
                edit(SHARD, "attacks", "[\"fgs\"]", "attacks must include deepfool: a report needs rho2"),
                edit(SHARD, "attacks", "[\"deepfool\", \"standard\"]", "attacks[1] must be one of " + org.deepdefense.attack.Attacks.names() + ", got 'standard'"),
                edit(SHARD_RESULT, "outcomes.correct", "\"AAAA\"", "outcomes: packed array of 3 bytes, expected 1"),
                edit(SHARD_RESULT, "outcomes.inputNorms", "\"AAAA\"", "outcomes: packed array of 4 characters, expected 32"),
                edit(SHARD_RESULT, "outcomes.fixedBudget", "[]", "outcomes.fixedBudget and outcomes.doubled do not match the attacks and budgets"),
                edit(SHARD_RESULT, "outcomes.minimumNorm", "{}", "outcomes.minimumNorm must hold exactly [deepfool, paper-fgs], got []"),
                edit(SHARD_RESULT, "from", "-1", "from must be at least 0, got -1"),
                edit(SHARD_PLAN, "boundaries", "[1, 3]", "boundaries must start at 0, got 1"),
                edit(SHARD_PLAN, "boundaries", "[0, 3, 3]", "boundaries must increase strictly, got 3 after 3"),
                edit(SHARD_PLAN, "boundaries", "[0]", "boundaries (count) must be in 2..10001, got 1"),
                // reports
                edit(REPORT, "cleanAccuracy", "1.1", "cleanAccuracy must be a finite number in [0, 1], got 1.1"),
                edit(REPORT, "rho2", "-0.5", "rho2 must be a finite number in [0, inf), got -0.5"),
                edit(REPORT, "epsRef", "0", "epsRef must be a finite number in (0, inf), got 0.0"),
                edit(REPORT, "epsRef", "null", "fgsAccuracy must be empty when epsRef is null: its keys are fractions of epsRef"),
                edit(REPORT, "fgsAccuracy", "{\"0.3\": 0.5}", "fgsAccuracy key must be one of [0.2, 0.5, 1.0], got '0.3'"),
                edit(REPORT, "fgsAccuracy", "{\"0.2\": 2}", "fgsAccuracy['0.2'] must be a finite number in [0, 1], got 2.0"),
                edit(REPORT, "pgdAccuracy", "{\"8/255\": 0.5}", "pgdAccuracy keys must be positive decimal numbers, got '8/255'"),
                edit(REPORT, "pgdAccuracy", "{\"0\": 0.5}", "pgdAccuracy keys must be positive decimal numbers, got '0'"),
                edit(REPORT, "space", null, "space is required"),
                // sweeps
                edit(SWEEP, "sweepId", "\"a/b\"", "sweepId must match [A-Za-z0-9][A-Za-z0-9._-]{0,63}, got 'a/b'"),
                edit(SWEEP, "methods", "[]", "methods must hold 1 to 16 values, got 0"),
                edit(SWEEP, "seeds", "[1, 1]", "seeds lists 1 twice"),
                edit(SWEEP, "seeds", null, "seeds is required"),
                edit(SWEEP, "epochs", "[0]", "epochs[0] must be in 1..200, got 0"),
                edit(SWEEP, "methods", "[{\"method\": \"fgs-adv\", \"parameters\": {\"lambda\": [5]}}]",
                        "methods[0]: parameters: 'lambda' is not a strength parameter of fgs-adv (it has [adversarialEpsilon, adversarialRatio])"),
                edit(SWEEP, "methods", "[{\"method\": \"vanilla\", \"parameters\": {\"c\": [1]}}]",
                        "methods[0]: parameters: 'c' is not a strength parameter of vanilla (it has none)"),
                edit(SWEEP, "methods", "[{\"method\": \"deepdefense\", \"parameters\": {\"lambda\": [5, 2000]}}]",
                        "methods[0]: parameters['lambda'][1]: lambda must be a finite number in [0, 1000], got 2000.0"),
                edit(SWEEP, "methods", "[{\"method\": \"parseval\", \"parameters\": {\"parsevalBeta\": []}}]",
                        "methods[0]: parameters['parsevalBeta'] must hold 1 to 16 values, got 0"),
                edit(SWEEP, "methods", "[{\"method\": \"vanilla\"}, {\"method\": \"vanilla\"}]",
                        "methods lists MethodGrid[method=vanilla, parameters={}] twice"),
                edit(SWEEP, "methods", "[{\"method\": \"deepfool-adv\", \"parameters\": {\"adversarialRatio\": [0.5]}},"
                        + " {\"method\": \"deepfool-adv\"}]", "methods[1] repeats point sw-deepfool-adv-r0.5-e5-s1 of methods[0]"),
                edit(SWEEP, "methods", "[{\"method\": \"deepdefense\", \"parameters\": {\"lambda\": " + range(16)
                        + ", \"c\": " + range(16) + ", \"d\": " + range(4) + "}}]",
                        "(1024) combinations × 1 epoch counts × 2 seeds = 2048 points, more than the limit of 1000"),
                edit(SWEEP, "sweepId", "\"" + "s".repeat(50) + "\"", "sweepId '" + "s".repeat(50) + "' is too long for"
                        + " its points: point run id '" + "s".repeat(50) + "-deepdefense-l5-c10-d5-e5-s1' has 78"
                        + " characters, at most 64 are allowed"),
                edit(SWEEP, "baseCheckpointSha256", null, "baseCheckpointSha256 must be given exactly when baseCheckpoint is"),
                // dead letters
                edit(DEAD_LETTER, "sourceTopic", "\"bad topic\"", "sourceTopic must be a Kafka topic name, got 'bad topic'"),
                edit(DEAD_LETTER, "partition", "-1", "partition must be at least 0, got -1"),
                edit(DEAD_LETTER, "reason", "\"\"", "reason must be non-blank text of at most 8192 characters, got ''"),
                edit(DEAD_LETTER, "payloadBase64", "\"not base64!\"", "payloadBase64 is not base64: Illegal base64 character 20"),
                edit(DEAD_LETTER, "payloadBase64", "\"" + "A".repeat(87_384 + 4) + "\"", "payloadBase64 holds 65541 bytes, more than 65536"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badJson")
    void rejectsBadJson(String what, Class<? extends Message> type, byte[] json, String reasonStart) {
        String reason = assertThrows(InvalidMessageException.class, () -> Messages.parse(json, type)).getMessage();
        assertTrue(reason.startsWith(reasonStart), reason);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRecords")
    void rejectsBadRecords(String what, Class<? extends Message> type, byte[] json, String reason) {
        assertEquals(reason, assertThrows(InvalidMessageException.class, () -> Messages.parse(json, type)).getMessage());
    }
}
