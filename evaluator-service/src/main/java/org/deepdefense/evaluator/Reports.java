package org.deepdefense.evaluator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.metrics.EvaluationWarning;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The reports published by this evaluator (this process, or an earlier one with the same {@link ShardState}), by
 * run. Memory holds only their checkpoint ids by run; each report is read from the state when asked for. A report
 * is also exposed as gauges on /q/metrics for {@code deepdefense.evaluator.gauge-retention} after its publication,
 * then its gauges are removed, so the registry does not grow with every report ever made. Created at start-up, so
 * the restored gauges are there at once.
 */
@Startup
@ApplicationScoped
public class Reports {
    private final Map<String, List<String>> byRun = new LinkedHashMap<>();
    /** The gauges of each report still shown, oldest publication first, with when they go. */
    private final Map<String, Shown> shown = new LinkedHashMap<>();
    private final MeterRegistry registry;
    private final ShardState state;
    private final Duration retention;

    private record Shown(Instant until, List<Meter> gauges) {}

    Reports(MeterRegistry registry, ShardState state,
            @ConfigProperty(name = "deepdefense.evaluator.gauge-retention") Duration retention) {
        this.registry = registry;
        this.state = state;
        this.retention = retention;
        Instant now = Instant.now();
        state.reports().forEach(report -> index(report, now));
    }

    public synchronized void add(RobustnessReportMessage report) {
        index(report, Instant.now());
    }

    /** Removes the gauges of reports published longer than the retention before {@code now}. */
    public synchronized void retireGauges(Instant now) {
        for (Iterator<Shown> it = shown.values().iterator(); it.hasNext(); ) {
            Shown next = it.next();
            if (next.until().isAfter(now)) {
                return;
            }
            next.gauges().forEach(registry::remove);
            it.remove();
        }
    }

    /** Each run's latest report, runs in the order their first report came. */
    public synchronized Map<String, RobustnessReportMessage> latest() {
        Map<String, RobustnessReportMessage> latest = new LinkedHashMap<>();
        byRun.forEach((run, ids) -> latest.put(run, read(ids.get(ids.size() - 1))));
        return latest;
    }

    public synchronized Optional<List<RobustnessReportMessage>> run(String runId) {
        return Optional.ofNullable(byRun.get(runId)).map(ids -> ids.stream().map(this::read).toList());
    }

    private RobustnessReportMessage read(String checkpointId) {
        return state.report(checkpointId).orElseThrow(() -> new IllegalStateException("the report of "
                + checkpointId + " is gone from the state directory"));
    }

    private void index(RobustnessReportMessage report, Instant now) {
        byRun.computeIfAbsent(report.runId(), run -> new ArrayList<>()).add(report.checkpointId());
        Instant until = Instant.parse(report.timestamp()).plus(retention);
        if (until.isAfter(now)) {
            shown.put(report.checkpointId(), new Shown(until, gauges(report)));
        }
    }

    private List<Meter> gauges(RobustnessReportMessage report) {
        List<Meter> gauges = new ArrayList<>();
        Tags tags = Tags.of("run", report.runId(), "architecture", report.architecture(), "method", report.method(),
                "dataset", report.dataset(), "checkpoint", report.checkpointId());
        gauges.add(gauge("deepdefense.rho2", tags, report.rho2()));
        gauges.add(gauge("deepdefense.clean.accuracy", tags, report.cleanAccuracy()));
        if (report.epsRef() != null) {
            gauges.add(gauge("deepdefense.eps.ref", tags, report.epsRef()));
        }
        report.fgsAccuracy().forEach((ratio, accuracy) ->
                gauges.add(gauge("deepdefense.fgs.accuracy", tags.and("eps_ratio", ratio), accuracy)));
        report.pgdAccuracy().forEach((eps, accuracy) ->
                gauges.add(gauge("deepdefense.pgd.accuracy", tags.and("eps", eps), accuracy)));
        report.robustAccuracy().forEach((norm, byEps) -> byEps.forEach((eps, accuracy) ->
                gauges.add(gauge("deepdefense.robust.accuracy", tags.and("norm", norm, "eps", eps), accuracy))));
        // Every kind, 0 where none: an alert or a panel can tell "no warning" from "no report".
        for (String kind : EvaluationWarning.KINDS) {
            gauges.add(gauge("deepdefense.evaluation.warnings", tags.and("kind", kind),
                    report.warnings().stream().filter(w -> w.kind().equals(kind)).count()));
        }
        return gauges;
    }

    private Meter gauge(String name, Tags tags, double value) {
        // A report never changes, so the gauge reads a constant.
        return Gauge.builder(name, () -> value).tags(tags).register(registry);
    }
}
