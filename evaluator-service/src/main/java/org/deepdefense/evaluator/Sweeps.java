package org.deepdefense.evaluator;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.deepdefense.checkpoint.AtomicFiles;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.StrengthParameter;
import org.deepdefense.messages.SweepRequest;
import org.deepdefense.messages.TrainingRequest;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The sweeps this evaluator has accepted, their points (the sweep's own expansion, so the same run ids as the
 * trainer's) and the reports of those points. Each sweep is kept in {@code <state dir>/.sweeps/<id>.json} before its
 * record is acknowledged. Gauges labelled with the sweep are exported for the {@code deepdefense.evaluator.sweep-gauges}
 * sweeps accepted last, each of at most {@code deepdefense.sweep.max-points} points, so their number stays bounded.
 */
@Startup
@ApplicationScoped
public class Sweeps {
    /** One point of a sweep and, once its run is reported, its latest report. */
    public record Point(String runId, String method, Map<String, Double> parameters, long seed, int epochs,
            RobustnessReportMessage report) {}

    /** What GET /sweeps/{id} answers. */
    public record View(String sweepId, String dataset, String architecture, String baseCheckpoint, int reported,
            List<Point> points) {}

    private final MeterRegistry registry;
    private final Reports reports;
    private final Path dir;
    private final int gaugedSweeps;
    /** In acceptance order. */
    private final Map<String, SweepRequest> sweeps = new LinkedHashMap<>();
    /** Run id → its sweep's id. */
    private final Map<String, String> sweepOfRun = new HashMap<>();
    /** Sweep id → the gauges of its reported points, for the sweeps that export any. */
    private final Map<String, List<Meter>> gauges = new LinkedHashMap<>();

    Sweeps(MeterRegistry registry, Reports reports, ShardState state,
            @ConfigProperty(name = "deepdefense.evaluator.sweep-gauges") int gaugedSweeps) throws IOException {
        this.registry = registry;
        this.reports = reports;
        this.gaugedSweeps = gaugedSweeps;
        this.dir = Files.createDirectories(state.dir().resolve(".sweeps"));
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .sorted(Comparator.comparingLong(Sweeps::modified)).toList()) {
                register(Messages.parseSweepRequest(Files.readAllBytes(file)));
            }
        }
    }

    /**
     * Keeps a sweep; the same sweep again changes nothing.
     *
     * @throws IllegalArgumentException when another sweep with this id was accepted before
     */
    public synchronized void add(SweepRequest sweep) {
        SweepRequest known = sweeps.get(sweep.sweepId());
        if (known != null) {
            if (!known.equals(sweep)) {
                throw new IllegalArgumentException("sweep " + sweep.sweepId() + " is already known with another"
                        + " content; use a new sweepId");
            }
            return;
        }
        try {
            byte[] json = Messages.toJson(sweep);
            AtomicFiles.write(dir.resolve(sweep.sweepId() + ".json"), out -> out.write(json));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        register(sweep);
    }

    /** A report was published: if its run is a point of a gauged sweep, its gauges appear. */
    public synchronized void reported(RobustnessReportMessage report) {
        String sweepId = sweepOfRun.get(report.runId());
        if (sweepId != null && gauges.containsKey(sweepId)) {
            gauges.get(sweepId).addAll(gauge(sweepId, report));
        }
    }

    public synchronized Optional<View> view(String sweepId) {
        SweepRequest sweep = sweeps.get(sweepId);
        if (sweep == null) {
            return Optional.empty();
        }
        Map<String, RobustnessReportMessage> latest = reports.latest();
        List<Point> points = new ArrayList<>();
        for (TrainingRequest request : sweep.expand()) {
            points.add(new Point(request.runId(), request.method(),
                    StrengthParameter.valuesOf(request.method(), request.hyperparameters()), request.seed(),
                    request.hyperparameters().epochs(), latest.get(request.runId())));
        }
        int reported = (int) points.stream().filter(p -> p.report() != null).count();
        return Optional.of(new View(sweepId, sweep.dataset(), sweep.architecture(), sweep.baseCheckpoint(), reported,
                points));
    }

    public synchronized List<String> ids() {
        return List.copyOf(sweeps.keySet());
    }

    private void register(SweepRequest sweep) {
        sweeps.put(sweep.sweepId(), sweep);
        sweep.expand().forEach(point -> sweepOfRun.put(point.runId(), sweep.sweepId()));
        while (!gauges.isEmpty() && gauges.size() >= gaugedSweeps) {
            String oldest = gauges.keySet().iterator().next();
            gauges.remove(oldest).forEach(registry::remove);
        }
        if (gaugedSweeps == 0) {
            return;
        }
        List<Meter> meters = new ArrayList<>();
        Map<String, RobustnessReportMessage> latest = reports.latest();
        for (TrainingRequest point : sweep.expand()) {
            RobustnessReportMessage report = latest.get(point.runId());
            if (report != null) {
                meters.addAll(gauge(sweep.sweepId(), report));
            }
        }
        gauges.put(sweep.sweepId(), meters);
    }

    /** Clean accuracy, ρ₂ and robust accuracy of one point; a report never changes, so each reads a constant. */
    private List<Meter> gauge(String sweepId, RobustnessReportMessage report) {
        Tags tags = Tags.of("sweep", sweepId, "run", report.runId(), "method", report.method());
        List<Meter> meters = new ArrayList<>();
        meters.add(Gauge.builder("deepdefense.sweep.clean.accuracy", report::cleanAccuracy).tags(tags)
                .strongReference(true).register(registry));
        meters.add(Gauge.builder("deepdefense.sweep.rho2", report::rho2).tags(tags).strongReference(true)
                .register(registry));
        report.robustAccuracy().forEach((norm, byEps) -> byEps.forEach((eps, accuracy) -> meters.add(
                Gauge.builder("deepdefense.sweep.robust.accuracy", () -> accuracy).tags(tags.and("norm", norm, "eps",
                        eps)).strongReference(true).register(registry))));
        return meters;
    }

    private static long modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
