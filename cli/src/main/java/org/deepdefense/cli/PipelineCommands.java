package org.deepdefense.cli;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** ./deepdefense up, down and status: a {@link PipelineDaemon} in the background, found again by its state file. */
final class PipelineCommands {
    static final String DAEMON_LOG = "pipeline.log";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(300);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(60);

    private PipelineCommands() {}

    /** The checkout the launcher runs from: where the services' packaged jars are. */
    static Path projectRoot() {
        return Path.of(System.getProperty("deepdefense.project.root", ".")).toAbsolutePath().normalize();
    }

    static Path runDir(Args args) {
        return args.path("run-dir", projectRoot().resolve(".deepdefense/pipeline").toString()).toAbsolutePath();
    }

    static void up(Args args) throws IOException, InterruptedException {
        Path runDir = runDir(args);
        args.requireAllUsed();
        Optional<PipelineState> running = running(runDir);
        if (running.isPresent()) {
            System.out.println("already running (./deepdefense down stops it)");
        }
        print(running.isPresent() ? running.get() : up(runDir, projectRoot()));
    }

    /** Starts the daemon and returns once it has written its state file; the daemon outlives this JVM. */
    static PipelineState up(Path runDir, Path projectRoot) throws IOException, InterruptedException {
        if (running(runDir).isPresent()) {
            throw new IllegalStateException("a pipeline already runs from " + runDir + "; ./deepdefense down stops it");
        }
        Files.deleteIfExists(runDir.resolve(PipelineState.FILE));
        // A new broker needs an empty directory; the checkpoint store (store/) is kept from one `up` to the next.
        deleteRecursively(runDir.resolve("kafka"));
        Files.createDirectories(runDir);
        Path log = runDir.resolve(DAEMON_LOG);
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Dai.djl.offline=true",
                PipelineDaemon.class.getName(), runDir.toString(), projectRoot.toString());
        Process daemon = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Redirect.to(log.toFile())).redirectInput(Redirect.from(new File("/dev/null")))
                .start();
        System.err.println("starting the broker and the three services (log: " + log + ")...");
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            Optional<PipelineState> state = PipelineState.read(runDir);
            if (state.isPresent()) {
                return state.get();
            }
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                daemon.destroy(); // its shutdown hook stops whatever it had started
                daemon.waitFor();
                throw new IllegalStateException("the pipeline did not start; see " + log);
            }
            Thread.sleep(250);
        }
    }

    static void down(Args args) throws IOException, InterruptedException {
        Path runDir = runDir(args);
        args.requireAllUsed();
        System.out.println(down(runDir) ? "stopped" : "not running");
    }

    /**
     * Signals the daemon (its shutdown hook stops the services, then the broker) and returns once every process
     * in the state file is gone; whatever is still there after {@link #STOP_TIMEOUT} is killed. False if nothing ran.
     */
    static boolean down(Path runDir) throws IOException, InterruptedException {
        Optional<PipelineState> state = PipelineState.read(runDir);
        if (state.isEmpty()) {
            return false;
        }
        ProcessHandle.of(state.get().daemonPid()).ifPresent(ProcessHandle::destroy);
        long deadline = System.nanoTime() + STOP_TIMEOUT.toNanos();
        while (alive(state.get()).findAny().isPresent()) {
            if (System.nanoTime() > deadline) {
                alive(state.get()).forEach(ProcessHandle::destroyForcibly);
            }
            Thread.sleep(200);
        }
        Files.deleteIfExists(runDir.resolve(PipelineState.FILE));
        return true;
    }

    static void status(Args args) throws IOException, InterruptedException {
        Path runDir = runDir(args);
        args.requireAllUsed();
        Optional<PipelineState> state = PipelineState.read(runDir);
        if (state.isEmpty()) {
            System.out.println("not running (no " + runDir.resolve(PipelineState.FILE) + ")");
            return;
        }
        PipelineState s = state.get();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        System.out.printf("daemon   pid %d %s%n", s.daemonPid(), aliveWord(s.daemonPid()));
        System.out.printf("broker   pid %d %s  %s%n", s.brokerPid(), aliveWord(s.brokerPid()), s.bootstrapServers());
        for (Map.Entry<String, PipelineState.ServiceState> e : s.services().entrySet()) {
            System.out.printf("%-17s pid %d %s  %s  ready: %s%n", e.getKey(), e.getValue().pid(),
                    aliveWord(e.getValue().pid()), e.getValue().url(), health(http, e.getValue().url()));
        }
    }

    /** The bootstrap address of the pipeline running from {@code runDir}, if any. */
    static Optional<String> bootstrapServers(Path runDir) throws IOException {
        return running(runDir).map(PipelineState::bootstrapServers);
    }

    private static Optional<PipelineState> running(Path runDir) throws IOException {
        return PipelineState.read(runDir).filter(s -> ProcessHandle.of(s.daemonPid()).map(ProcessHandle::isAlive)
                .orElse(false));
    }

    private static void print(PipelineState s) {
        System.out.println("bootstrap servers: " + s.bootstrapServers());
        s.services().forEach((name, service) -> System.out.printf("%-17s %s  (log %s)%n", name, service.url(),
                service.log()));
        System.out.println("topics: " + String.join(", ", s.topics()));
        System.out.println("broker log: " + s.brokerLog());
        System.out.println("pipeline log: " + s.daemonLog());
        System.out.println("checkpoint store: " + s.store());
    }

    private static Stream<ProcessHandle> alive(PipelineState state) {
        return state.pids().stream().flatMap(pid -> ProcessHandle.of(pid).stream()).filter(ProcessHandle::isAlive);
    }

    private static String aliveWord(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) ? "running" : "GONE";
    }

    private static String health(HttpClient http, String url) throws InterruptedException {
        HttpRequest ready = HttpRequest.newBuilder(URI.create(url).resolve("/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        try {
            int code = http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
            return code == 200 ? "UP" : "DOWN (HTTP " + code + ")";
        } catch (IOException e) {
            return "unreachable (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
