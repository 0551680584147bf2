package org.deepdefense.cli;

import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.checkpoint.Safetensors;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.DatasetName;
import org.deepdefense.data.Split;
import org.deepdefense.metrics.RobustnessEvaluator;
import org.deepdefense.metrics.RobustnessReport;
import org.deepdefense.nn.Architecture;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.onnx.OnnxExport;
import org.deepdefense.train.DataSource;
import org.deepdefense.train.ModelCheckpoints;

/**
 * ./deepdefense export: a checkpoint's weights under PyTorch state_dict names and layouts (NPZ, safetensors), as an
 * ONNX model that takes raw pixels, or its model card (Markdown and JSON).
 */
final class ExportCommand {
    private static final String FORMATS = "npz, safetensors, onnx, card";

    private ExportCommand() {}

    static void run(Args args) throws IOException {
        String key = args.required("checkpoint");
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        String format = args.string("format", "npz");
        Path out = args.path("out", null);
        Path reportFile = format.equals("card") ? args.path("report", null) : null;
        Integer testSubset = format.equals("card") ? args.optionalInteger("test-subset") : null;
        Path dataDir = format.equals("card") ? args.path("data-dir", null) : null;
        if (format.equals("onnx") || format.equals("card")) {
            Engines.configureThreads(args.integer("threads", Runtime.getRuntime().availableProcessors()));
        }
        args.requireAllUsed();
        if (out == null) {
            throw new Args.UsageException("missing --out FILE");
        }
        switch (format) {
            case "npz" -> Npz.write(out, ModelCheckpoints.exportTensors(store.load(key, null)));
            case "safetensors" -> {
                Checkpoint checkpoint = store.load(key, null);
                Map<String, String> metadata = new LinkedHashMap<>();
                // "pt" tells Hugging Face loaders these are PyTorch tensors.
                metadata.put("format", "pt");
                metadata.putAll(provenance(key, checkpoint.metadata()));
                Safetensors.write(out, ModelCheckpoints.exportTensors(checkpoint), metadata);
            }
            case "onnx" -> {
                try (NDManager root = Engines.newManager(DeviceChoice.CPU);
                        ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, root)) {
                    OnnxExport.write(out, model.network(), model.preprocessor(),
                            provenance(key, model.checkpoint().metadata()));
                }
            }
            case "card" -> {
                writeCard(store, key, out, reportFile, testSubset, dataDir);
                return;
            }
            default -> throw new Args.UsageException("unsupported --format '" + format + "'; supported: " + FORMATS);
        }
        System.out.println(out);
    }

    /** What the exported file says about where it came from. */
    private static Map<String, String> provenance(String key, CheckpointMetadata meta) {
        Map<String, String> props = new LinkedHashMap<>();
        props.put("checkpoint", key);
        props.put("checkpoint_sha256", meta.sha256());
        props.put("architecture", meta.architecture());
        props.put("dataset", meta.dataset());
        props.put("method", meta.method());
        props.put("preprocessing", meta.preprocessing());
        return props;
    }

    /**
     * Writes the card as {@code out} (Markdown) and the same name with {@code .json}. The numbers come from a report
     * that {@code evaluate --json} wrote, or from the standard suite run now on the first {@code testSubset} images.
     */
    private static void writeCard(CheckpointStore store, String key, Path out, Path reportFile, Integer testSubset,
            Path dataDir) throws IOException {
        if (reportFile != null && testSubset != null) {
            throw new Args.UsageException("--report and --test-subset exclude each other");
        }
        if (reportFile == null && testSubset == null) {
            throw new Args.UsageException("a card needs --report FILE (from evaluate --json) or --test-subset N");
        }
        ModelCard card;
        try (NDManager root = Engines.newManager(DeviceChoice.CPU);
                ModelCheckpoints.Loaded model = ModelCheckpoints.load(store, key, null, root)) {
            CheckpointMetadata meta = model.checkpoint().metadata();
            String preprocessing = meta.preprocessing() + ": " + model.preprocessor().describe();
            RobustnessReport report;
            String evaluation;
            if (reportFile != null) {
                report = RobustnessReport.fromJson(Files.readString(reportFile));
                evaluation = "From the report " + reportFile.getFileName() + " (evaluate --json)";
            } else {
                Dataset test = DataSource.load(DatasetName.parse(meta.dataset()), Split.TEST, dataDir, testSubset,
                        Architecture.parse(meta.architecture()));
                System.err.printf("evaluating %s on %d %s test images with the standard suite%n", key, test.size(),
                        meta.dataset());
                report = new RobustnessEvaluator(model.network(), model.preprocessor(), 100).evaluate(test,
                        meta.dataset(), meta.method(), RobustnessEvaluator.Options.suite("standard"),
                        new ProgressPrinter().evaluation());
                evaluation = "Evaluated for this card with the standard suite (seed 1)";
            }
            card = new ModelCard(key, meta, preprocessing, report, evaluation);
        }
        String name = out.getFileName().toString();
        Path json = out.resolveSibling((name.endsWith(".md") ? name.substring(0, name.length() - 3) : name) + ".json");
        Files.writeString(out, card.toMarkdown());
        Files.writeString(json, card.toJson());
        System.out.println(out);
        System.out.println(json);
    }
}
