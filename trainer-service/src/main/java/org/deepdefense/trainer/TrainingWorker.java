package org.deepdefense.trainer;

import ai.djl.ndarray.NDManager;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.ChecksumMismatchException;
import org.deepdefense.nn.DeviceChoice;
import org.deepdefense.nn.GradMode;
import org.deepdefense.service.DeadLetters;
import org.deepdefense.service.Retry;
import org.deepdefense.train.TrainingJob;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Runs accepted requests one at a time on a single thread: DJL allows one GradientCollector per JVM, and one
 * run at a time keeps a GPU's memory to one model. Requests wait in a bounded queue mirrored by the
 * {@link RunJournal}.
 */
@ApplicationScoped
class TrainingWorker {
    private static final Logger LOG = Logger.getLogger(TrainingWorker.class);

    enum Outcome { QUEUED, DUPLICATE, QUEUE_FULL }

    @ConfigProperty(name = "deepdefense.store.root")
    Path storeRoot;

    @ConfigProperty(name = "deepdefense.data.dir")
    Optional<Path> dataDir;

    @ConfigProperty(name = "deepdefense.image-folders.dir")
    Optional<Path> imageFolders;

    @ConfigProperty(name = "deepdefense.device")
    DeviceChoice configuredDevice;

    @ConfigProperty(name = "deepdefense.trainer.journal-dir")
    Optional<Path> journalDir;

    @ConfigProperty(name = "deepdefense.trainer.queue-capacity")
    int queueCapacity;

    @ConfigProperty(name = "deepdefense.trainer.progress-interval")
    Duration progressInterval;

    /** Resume points inside an epoch, so that a killed trainer loses at most this much work (0: off). */
    @ConfigProperty(name = "deepdefense.trainer.resume-interval")
    Duration resumeInterval;

    @ConfigProperty(name = "deepdefense.trainer.storage-retry-for")
    Duration storageRetryFor;

    @ConfigProperty(name = "deepdefense.trainer.resume-every-steps")
    int resumeEverySteps;

    @Inject
    Publisher publisher;

    @Inject
    DeadLetters deadLetters;

    @Inject
    TrainingMetrics metrics;

    private final BlockingQueue<Accepted> queue = new LinkedBlockingQueue<>();
    /** Run ids queued or running; guarded by this. */
    private final Set<String> active = new HashSet<>();
    private volatile boolean stopping;
    private CheckpointStore store;
    private RunJournal journal;
    private Thread thread;

    /** Before the messaging channels start (LIBRARY_BEFORE), so no request arrives before the store is open. */
    void start(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) throws IOException {
        store = new CheckpointStore(storeRoot);
        // Under the store by default: a dot-name is never a run id, so it cannot clash with a run's checkpoints.
        journal = new RunJournal(journalDir.orElse(store.root().resolve(".trainer-journal")));
        for (Accepted pending : journal.pending()) {
            LOG.infof("run %s: re-queued from the journal", pending.runId());
            active.add(pending.runId());
            queue.add(pending);
        }
        metrics.queueDepth(queue::size);
    }

    /**
     * After the messaging channels have started (default priority, later than their LIBRARY_BEFORE): a run
     * re-queued from the journal may publish at once, and an emitter used before its channel is wired fails.
     */
    void startWorker(@Observes StartupEvent event) {
        // gpu on a node where DJL finds no CUDA stops the service at once, with the reason, instead of training
        // every run on the CPU.
        String device = configuredDevice.resolve().toString();
        thread = new Thread(this::work, "training-worker");
        thread.start();
        LOG.infof("trainer ready: store %s, device %s (configured: %s), queue capacity %d", store.root(), device,
                configuredDevice.id(), queueCapacity);
    }

    void stop(@Observes ShutdownEvent event) throws InterruptedException {
        stopping = true;
        if (thread != null) {
            // No interrupt: it could abort a checkpoint write half-way. A run in progress stops after its current
            // step; its journal entry stays, so it resumes on restart.
            thread.join(Duration.ofSeconds(30).toMillis());
        }
    }

    CheckpointStore store() {
        return store;
    }

    boolean alive() {
        return thread != null && thread.isAlive();
    }

    /**
     * Journals and queues a request unless its run is queued, running or already has a final checkpoint.
     * Returns only once the request is on disk, so the caller may then acknowledge its record.
     */
    synchronized Outcome submit(Accepted accepted) throws IOException {
        String runId = accepted.runId();
        if (active.contains(runId) || finished(runId)) {
            return Outcome.DUPLICATE;
        }
        if (queue.size() >= queueCapacity) {
            return Outcome.QUEUE_FULL;
        }
        journal.record(accepted);
        active.add(runId);
        queue.add(accepted);
        return Outcome.QUEUED;
    }

    private boolean finished(String runId) {
        return store.latest(runId).filter(CheckpointStore.keyFor(runId, 0, 0, true)::equals).isPresent();
    }

    private void work() {
        while (!stopping) {
            Accepted next;
            try {
                next = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (next == null) {
                continue;
            }
            boolean ended;
            try {
                ended = run(next);
            } catch (RuntimeException | Error e) {
                // Reporting the failure failed too (the broker is unreachable), or the run hit an Error outside
                // its own handling: keep serving the queue.
                LOG.errorf(e, "run %s: could not report its end", next.runId());
                ended = true;
            }
            if (ended) {
                try {
                    journal.remove(next.runId());
                } catch (IOException e) {
                    // The run is done; at worst a restart finds its final checkpoint and only re-announces it.
                    LOG.errorf("run %s: could not remove its journal entry: %s", next.runId(), e.getMessage());
                }
            }
            synchronized (this) {
                active.remove(next.runId());
            }
        }
    }

    /** Returns false when the run was stopped by shutdown and should resume after a restart. */
    private boolean run(Accepted accepted) {
        String runId = accepted.runId();
        // The engine may have started on another thread (the device check at start-up).
        GradMode.disableOnThisThread();
        try (NDManager root = configuredDevice.newManager()) {
            String device = root.getDevice().toString();
            LOG.infof("run %s: starting on device %s (configured: %s)", runId, device, configuredDevice.id());
            RunReporter reporter = new RunReporter(accepted.request(), device, publisher, metrics, progressInterval,
                    () -> stopping);
            try {
                TrainingJob.Spec spec = RunPlan.spec(accepted.request(), dataDir.orElse(null),
                        imageFolders.orElse(null));
                // A storage hiccup (reading the base checkpoint, writing one) is retried: the run resumes from
                // its latest checkpoint, as after a restart, so retrying repeats no finished step.
                Optional<TrainingJob.Saved> saved = Retry.call("run " + runId, storageRetryFor, Retry.STORAGE, false,
                        () -> TrainingJob.run(spec, store, root, reporter, new TrainingJob.ResumePoints(
                                resumeEverySteps, resumeInterval.isZero() ? null : resumeInterval)));
                if (saved.isEmpty()) {
                    LOG.infof("run %s: stopped for shutdown; it resumes from its latest checkpoint", runId);
                    return false;
                }
                reporter.succeeded(saved.get());
                metrics.runFinished("succeeded");
                LOG.infof("run %s: succeeded on %s, final checkpoint %s", runId, device, saved.get().key());
            } catch (Publisher.Abandoned e) {
                // The broker was down when the service was asked to stop: not the run's fault, resume it later.
                LOG.infof("run %s: stopped for shutdown (%s); it resumes from its latest checkpoint", runId,
                        e.getMessage());
                return false;
            } catch (RejectedRequestException | ChecksumMismatchException | NoSuchFileException
                    | IllegalArgumentException e) {
                // The request itself is at fault (a base checkpoint that is missing, altered or of another
                // architecture): besides failing the run, move the request aside for an operator.
                fail(accepted, reporter, e);
                deadLetters.send(accepted.topic(), accepted.partition(), accepted.offset(), accepted.key(),
                        e.getMessage(), accepted.payload());
            } catch (Exception e) {
                fail(accepted, reporter, e);
            } catch (OutOfMemoryError | StackOverflowError e) {
                // The run's arrays are unreachable once it is abandoned: the worker survives to run the next one.
                fail(accepted, reporter, e);
            }
        }
        return true;
    }

    private void fail(Accepted accepted, RunReporter reporter, Throwable e) {
        LOG.errorf(e, "run %s failed", accepted.runId());
        reporter.failed(e.getMessage() != null ? e.getMessage() : e.toString());
        metrics.runFinished("failed");
    }
}
