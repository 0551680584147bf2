package org.deepdefense.pipeline;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.deepdefense.kafka.ChildProcesses;
import org.deepdefense.kafka.LocalKafkaBroker;
import org.deepdefense.messages.Topics;

/**
 * The whole platform on one machine: a {@link LocalKafkaBroker} with the project topics and the three packaged
 * Quarkus services ({@code <service>/target/quarkus-app/quarkus-run.jar}) as separate JVMs sharing one checkpoint
 * store. Everything goes under the run directory: {@code kafka/} (the broker), {@code store/} (the checkpoint
 * store) and {@code <service>.log} (each service's output). {@link #close()} stops every process it started, and
 * a shutdown hook does the same if this JVM exits first.
 */
public final class LocalPipeline implements AutoCloseable {

    /** The three services, each a Maven module packaged as a Quarkus fast-jar. */
    public enum Service {
        TRAINER("trainer-service"), ATTACK("attack-service"), EVALUATOR("evaluator-service");

        private final String module;

        Service(String module) {
            this.module = module;
        }

        /** The Maven module, also the name of the service's log file. */
        public String module() {
            return module;
        }

        /** Where {@code mvn package} puts the service's runnable jar in a checkout at {@code projectRoot}. */
        public Path jar(Path projectRoot) {
            return projectRoot.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
        }
    }

    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);

    private final Path runDir;
    private final Path projectRoot;
    private final Map<String, String> properties;
    private final LocalKafkaBroker broker;
    private final Map<Service, Process> processes = new EnumMap<>(Service.class);
    private final Map<Service, URI> urls = new EnumMap<>(Service.class);
    private final Thread shutdownHook = new Thread(this::stopAll, "local-pipeline-shutdown");
    private boolean stopped;

    private LocalPipeline(Path runDir, Path projectRoot, Map<String, String> properties, LocalKafkaBroker broker) {
        this.runDir = runDir;
        this.projectRoot = projectRoot;
        this.properties = Map.copyOf(properties);
        this.broker = broker;
    }

    /**
     * Starts the broker in {@code runDir/kafka} (which must not hold a previous broker's data), creates the
     * topics, starts the services packaged in the checkout at {@code projectRoot} and returns once every one
     * reports ready on {@code /q/health/ready}. On failure everything started so far is stopped again.
     */
    public static LocalPipeline start(Path runDir, Path projectRoot) {
        return start(runDir, projectRoot, Map.of());
    }

    /** As {@link #start(Path, Path)}, with {@code properties} as system properties of every service. */
    public static LocalPipeline start(Path runDir, Path projectRoot, Map<String, String> properties) {
        for (Service service : Service.values()) {
            if (!Files.isRegularFile(service.jar(projectRoot))) {
                throw new IllegalStateException(service.jar(projectRoot) + " is missing; run `mvn package` first");
            }
        }
        LocalKafkaBroker broker = LocalKafkaBroker.start(runDir.resolve("kafka"));
        LocalPipeline pipeline = new LocalPipeline(runDir, projectRoot, properties, broker);
        Runtime.getRuntime().addShutdownHook(pipeline.shutdownHook);
        try {
            broker.createTopics(Topics.all(), 1);
            Files.createDirectories(pipeline.storeRoot());
            int[] ports = freePorts(Service.values().length);
            // All three start at once: their start-up (mostly class loading) overlaps with the others' waits.
            for (Service service : Service.values()) {
                pipeline.launch(service, ports[service.ordinal()]);
            }
            for (Service service : Service.values()) {
                pipeline.awaitReady(service);
            }
            return pipeline;
        } catch (IOException e) {
            pipeline.close();
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            pipeline.close();
            throw e;
        }
    }

    /** {@code host:port} of the broker, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** Base URL of a service's HTTP endpoints, such as {@code http://127.0.0.1:41234}. */
    public URI url(Service service) {
        return urls.get(service);
    }

    /** The checkpoint store the services share. */
    public Path storeRoot() {
        return runDir.resolve("store");
    }

    /** The file a service's standard output and error go to. */
    public Path log(Service service) {
        return runDir.resolve(service.module() + ".log");
    }

    /** The processes this pipeline started, the broker first (while it runs), to check that none is left over. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        ProcessHandle.of(broker.pid()).ifPresent(all::add);
        processes.values().forEach(p -> all.add(p.toHandle()));
        return all;
    }

    /** Kills a service as the kernel's OOM killer or an evicted node would (SIGKILL); returns once it is gone. */
    public void kill(Service service) throws InterruptedException {
        processes.get(service).destroyForcibly().waitFor();
    }

    /** Starts a service again, killed or not, on its port; returns once it reports ready. */
    public void restart(Service service) throws InterruptedException {
        ChildProcesses.stop(processes.get(service), STOP_TIMEOUT);
        launch(service, url(service).getPort());
        awaitReady(service);
    }

    /** Stops the broker cleanly, keeps it down for {@code down}, and starts it again on the same port and data. */
    public void restartBroker(Duration down) throws InterruptedException {
        broker.stop();
        Thread.sleep(down.toMillis());
        broker.restart();
    }

    /** Stops the services (SIGTERM, then SIGKILL after 30 s), then the broker; returns once all are gone. */
    @Override
    public void close() {
        stopAll();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; it finds everything stopped.
        }
    }

    private synchronized void stopAll() {
        if (stopped) {
            return;
        }
        stopped = true;
        // Services first, so that none logs a lost broker while shutting down; all at once, so they stop in parallel.
        processes.values().forEach(Process::destroy);
        processes.values().forEach(process -> ChildProcesses.stop(process, STOP_TIMEOUT));
        broker.stop();
    }

    private void launch(Service service, int port) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.host=127.0.0.1", // a local pipeline, not a server for the network
                "-Dquarkus.http.port=" + port,
                // The PyTorch native library comes with the packaged jar (or PYTORCH_LIBRARY_PATH): never download.
                "-Dai.djl.offline=true"));
        properties.forEach((name, value) -> command.add("-D" + name + "=" + value));
        command.addAll(List.of("-jar", service.jar(projectRoot).toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log(service).toFile()));
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        builder.environment().put("DEEPDEFENSE_STORE_ROOT", storeRoot().toAbsolutePath().toString());
        try {
            processes.put(service, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + service.module(), e);
        }
        urls.put(service, URI.create("http://127.0.0.1:" + port));
    }

    private void awaitReady(Service service) {
        Process process = processes.get(service);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(url(service).resolve("/q/health/ready"))
                .timeout(Duration.ofSeconds(5)).build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(service.module() + " exited with code " + process.exitValue()
                            + "; see " + log(service));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            service.module() + " not ready within " + READY_TIMEOUT + "; see " + log(service));
                }
                try {
                    if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                        return;
                    }
                } catch (IOException notListeningYet) {
                    // Starting: the port is not open yet.
                }
                Thread.sleep(250);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for " + service.module(), e);
        }
    }

    /** Distinct free ports, held open together so that no two are the same. */
    private static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                sockets.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // Closing a listening socket that accepted nothing cannot lose anything.
                }
            }
        }
    }
}
