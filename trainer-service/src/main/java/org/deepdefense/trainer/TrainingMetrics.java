package org.deepdefense.trainer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The trainer's Micrometer meters, exported on /q/metrics as {@code deepdefense_training_*}
 * ({@code deepdefense_dead_letters_total} comes from {@link org.deepdefense.service.DeadLetters}).
 */
@ApplicationScoped
class TrainingMetrics {

    @Inject
    MeterRegistry registry;

    /** Gauges of the run in progress or last finished; see {@link #startRun}. */
    private List<Meter> runGauges = List.of();
    /** 1 from a run's first step until it ends: lets an alert tell a stalled run from an idle trainer. */
    private final AtomicInteger running = new AtomicInteger();

    void queueDepth(Supplier<Number> depth) {
        Gauge.builder("deepdefense.training.queue.depth", depth).description("training requests waiting to run")
                .register(registry);
        Gauge.builder("deepdefense.training.running", running, AtomicInteger::get)
                .description("1 while a training run is in progress").register(registry);
    }

    void request(String outcome) {
        registry.counter("deepdefense.training.requests", "outcome", outcome).increment();
    }

    void sweep(String outcome) {
        registry.counter("deepdefense.training.sweeps", "outcome", outcome).increment();
    }

    void runFinished(String outcome) {
        running.set(0);
        registry.counter("deepdefense.training.runs", "outcome", outcome).increment();
    }

    /**
     * Registers the gauges of a new run and drops the previous run's, so that the run label does not grow
     * without bound over the life of the service; the last run stays visible until the next one starts.
     */
    synchronized Run startRun(String runId, String architecture, String method, String device) {
        runGauges.forEach(registry::remove);
        running.set(1);
        // Step time and epochs aggregate over runs; only the gauges carry the run label.
        Tags shared = Tags.of("architecture", architecture, "method", method, "device", device);
        Tags tags = shared.and("run", runId);
        Run run = new Run(shared);
        // Strong references: a gauge holds its object weakly by default, and once the run's reporter is gone the
        // last run's values would read NaN after the next garbage collection.
        runGauges = List.of(
                Gauge.builder("deepdefense.training.loss", run, r -> r.loss).tags(tags).strongReference(true)
                        .description("training loss of the latest step").register(registry),
                Gauge.builder("deepdefense.training.accuracy", run, r -> r.accuracy).tags(tags).strongReference(true)
                        .description("training accuracy of the latest step").register(registry),
                Gauge.builder("deepdefense.training.images.per.second", run, r -> r.imagesPerSecond).tags(tags)
                        .strongReference(true).description("training throughput of the run so far")
                        .register(registry));
        return run;
    }

    /** One run's meters; steps come from the single worker thread, the gauges are read by the scraper. */
    final class Run {
        private final Timer stepTime;
        private final Counter epochs;
        private volatile double loss;
        private volatile double accuracy;
        private volatile double imagesPerSecond;

        private Run(Tags shared) {
            stepTime = Timer.builder("deepdefense.training.step").tags(shared)
                    .description("wall-clock time of one training step").register(registry);
            epochs = Counter.builder("deepdefense.training.epochs.completed").tags(shared).register(registry);
        }

        void step(Duration took, double loss, double accuracy, double imagesPerSecond) {
            stepTime.record(took);
            this.loss = loss;
            this.accuracy = accuracy;
            this.imagesPerSecond = imagesPerSecond;
        }

        void epochCompleted() {
            epochs.increment();
        }
    }
}
