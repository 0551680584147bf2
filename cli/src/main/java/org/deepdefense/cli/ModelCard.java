package org.deepdefense.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.metrics.AttackSummary;
import org.deepdefense.metrics.EvaluationWarning;
import org.deepdefense.metrics.RobustnessReport;

/**
 * A model card with what RobustBench lists for a model: dataset, threat model, clean and robust accuracy with the
 * attacks behind them, ρ₂, how the model was trained, its preprocessing and the SHA-256 of its weights. One
 * content, two renderings: JSON for machines, Markdown for people.
 *
 * @param evaluation where the numbers come from: a report file or the evaluation run for the card
 */
record ModelCard(String checkpoint, CheckpointMetadata metadata, String preprocessing, RobustnessReport report,
        String evaluation) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    ModelCard {
        if (!report.architecture().equals(metadata.architecture()) || !report.dataset().equals(metadata.dataset())) {
            throw new IllegalArgumentException("the report is of a " + report.architecture() + " on "
                    + report.dataset() + ", the checkpoint " + checkpoint + " holds a " + metadata.architecture()
                    + " on " + metadata.dataset());
        }
    }

    String threatModel() {
        return "white-box, per-sample worst case over the attack suite, L-inf and L2 budgets in " + report.budgetUnits();
    }

    Map<String, Object> toMap() {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("checkpoint", checkpoint);
        card.put("architecture", metadata.architecture());
        card.put("dataset", metadata.dataset());
        card.put("weightsSha256", metadata.sha256());
        card.put("inputShape", metadata.inputShape());
        card.put("preprocessing", preprocessing);
        Map<String, Object> training = new LinkedHashMap<>();
        training.put("method", metadata.method());
        training.put("epochs", metadata.epoch());
        training.put("hyperparameters", metadata.hyperparameters());
        training.put("parentCheckpoint", metadata.parentCheckpoint());
        card.put("training", training);
        card.put("threatModel", threatModel());
        Map<String, Object> results = new LinkedHashMap<>();
        results.put("evaluation", evaluation);
        results.put("testSamples", report.samples());
        results.put("cleanAccuracy", report.cleanAccuracy());
        results.put("robustAccuracy", report.robustAccuracy());
        results.put("budgetUnits", report.budgetUnits());
        results.put("attackSuite", report.suite());
        results.put("rho2", report.rho2());
        results.put("rho2DeepFoolIterations", report.deepFoolMaxIterations());
        results.put("warnings", report.warnings());
        card.put("results", results);
        return card;
    }

    String toJson() {
        try {
            return JSON.writeValueAsString(toMap());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a model card is plain data", e);
        }
    }

    String toMarkdown() {
        StringBuilder md = new StringBuilder();
        md.append("# Model card: ").append(checkpoint).append("\n\n");
        row(md, "Architecture", metadata.architecture());
        row(md, "Dataset", metadata.dataset());
        row(md, "Weights (params.npz) SHA-256", "`" + metadata.sha256() + "`");
        row(md, "Input", "raw 0-255 pixels, shape " + shape(metadata.inputShape()));
        row(md, "Preprocessing", preprocessing);
        row(md, "Training method", metadata.method() + ", " + metadata.epoch() + " epoch(s)"
                + (metadata.parentCheckpoint() == null ? "" : ", from " + metadata.parentCheckpoint()));
        row(md, "Hyperparameters", metadata.hyperparameters().isEmpty() ? "none recorded"
                : metadata.hyperparameters().toString());
        row(md, "Threat model", threatModel());
        md.append("\n## Results\n\n");
        md.append(evaluation).append(" on ").append(report.samples()).append(" test images; budgets ")
                .append(report.budgetUnits()).append(".\n\n");
        md.append(String.format(Locale.ROOT, "- Clean accuracy: %.2f %%%n", 100 * report.cleanAccuracy()));
        md.append(String.format(Locale.ROOT, "- ρ₂ (DeepFool, at most %d iterations): %.4g%n",
                report.deepFoolMaxIterations(), report.rho2()));
        md.append("- Attack suite: ").append(String.join(", ", attackNames())).append("\n\n");
        md.append("| norm | ε | robust accuracy |\n|---|---|---|\n");
        report.robustAccuracy().forEach((norm, byBudget) -> byBudget.forEach((eps, accuracy) ->
                md.append(String.format(Locale.ROOT, "| %s | %s | %.2f %% |%n", norm, eps, 100 * accuracy))));
        md.append("\n## Warnings\n\n");
        if (report.warnings().isEmpty()) {
            md.append("None: no sign of gradient masking was found.\n");
        }
        for (EvaluationWarning warning : report.warnings()) {
            md.append("- ").append(warning.kind()).append(": ").append(warning.message()).append('\n');
        }
        return md.toString();
    }

    /** The attacks that ran, which name what a preset such as "standard" stood for. */
    private List<String> attackNames() {
        List<String> names = report.attacks().stream().map(AttackSummary::name).distinct().toList();
        return names.isEmpty() ? report.suite() : names;
    }

    private static void row(StringBuilder md, String field, String value) {
        if (md.indexOf("| field |") < 0) {
            md.append("| field | value |\n|---|---|\n");
        }
        md.append("| ").append(field).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    private static String shape(int[] shape) {
        StringBuilder text = new StringBuilder();
        for (int dim : shape) {
            text.append(text.length() == 0 ? "" : "×").append(dim);
        }
        return text.toString();
    }
}
