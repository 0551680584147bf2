package org.deepdefense.evaluator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.metrics.EvaluationWarning;

/**
 * The reports published by this evaluator (this process, or an earlier one with the same {@link ShardState}), by
 * run, each also exposed as gauges on /q/metrics. Created at start-up, so the restored gauges are there at once.
 */
@Startup
@ApplicationScoped
public class Reports {
    private final Map<String, List<RobustnessReportMessage>> byRun = new LinkedHashMap<>();
    private final MeterRegistry registry;

    Reports(MeterRegistry registry, ShardState state) {
        this.registry = registry;
        state.restored().reports().forEach(this::add);
    }

    public synchronized void add(RobustnessReportMessage report) {
        byRun.computeIfAbsent(report.runId(), run -> new ArrayList<>()).add(report);
        Tags tags = Tags.of("run", report.runId(), "architecture", report.architecture(), "method", report.method(),
                "dataset", report.dataset(), "checkpoint", report.checkpointId());
        gauge("deepdefense.rho2", tags, report.rho2());
        gauge("deepdefense.clean.accuracy", tags, report.cleanAccuracy());
        if (report.epsRef() != null) {
            gauge("deepdefense.eps.ref", tags, report.epsRef());
        }
        report.fgsAccuracy().forEach((ratio, accuracy) ->
                gauge("deepdefense.fgs.accuracy", tags.and("eps_ratio", ratio), accuracy));
        report.pgdAccuracy().forEach((eps, accuracy) ->
                gauge("deepdefense.pgd.accuracy", tags.and("eps", eps), accuracy));
        report.robustAccuracy().forEach((norm, byEps) -> byEps.forEach((eps, accuracy) ->
                gauge("deepdefense.robust.accuracy", tags.and("norm", norm, "eps", eps), accuracy)));
        // Every kind, 0 where none: an alert or a panel can tell "no warning" from "no report".
        for (String kind : EvaluationWarning.KINDS) {
            gauge("deepdefense.evaluation.warnings", tags.and("kind", kind),
                    report.warnings().stream().filter(w -> w.kind().equals(kind)).count());
        }
    }

    /** Each run's latest report, runs in the order their first report came. */
    public synchronized Map<String, RobustnessReportMessage> latest() {
        Map<String, RobustnessReportMessage> latest = new LinkedHashMap<>();
        byRun.forEach((run, reports) -> latest.put(run, reports.get(reports.size() - 1)));
        return latest;
    }

    public synchronized Optional<List<RobustnessReportMessage>> run(String runId) {
        return Optional.ofNullable(byRun.get(runId)).map(List::copyOf);
    }

    private void gauge(String name, Tags tags, double value) {
        // A report never changes, so the gauge reads a constant.
        Gauge.builder(name, () -> value).tags(tags).register(registry);
    }
}
