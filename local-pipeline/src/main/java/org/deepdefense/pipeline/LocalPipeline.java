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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.deepdefense.kafka.BrokerSecurity;
import org.deepdefense.kafka.ChildProcesses;
import org.deepdefense.kafka.LocalKafkaBroker;
import org.deepdefense.kafka.LocalKafkaBroker.Protocol;
import org.deepdefense.kafka.ServiceAccess;

/**
 * The whole platform on one machine: a {@link LocalKafkaBroker} with the project topics and the three packaged
 * Quarkus services ({@code <service>/target/quarkus-app/quarkus-run.jar}) as separate JVMs sharing one checkpoint
 * store. Everything goes under the run directory: {@code kafka/} (the broker), {@code store/} (the checkpoint
 * store) and {@code <service>.log} (each service's output). {@link #close()} stops every process it started, and
 * a shutdown hook does the same if this JVM exits first. A service may run as several replicas (the attack
 * service scales out this way, its replicas sharing the shard topic's partitions); each replica can be killed and
 * restarted, to test what a crash does. On a {@link Protocol#SASL_SSL} broker each service logs in as its own
 * {@link ServiceAccess} user through the {@code KAFKA_*} variables of docs/RELIABILITY.md.
 */
public final class LocalPipeline implements AutoCloseable {

    /** The three services, each a Maven module packaged as a Quarkus fast-jar. */
    public enum Service {
        TRAINER("trainer-service", ServiceAccess.TRAINER), ATTACK("attack-service", ServiceAccess.ATTACK),
        EVALUATOR("evaluator-service", ServiceAccess.EVALUATOR);

        private final String module;
        private final ServiceAccess access;

        Service(String module, ServiceAccess access) {
            this.module = module;
            this.access = access;
        }

        /** The Kafka user the service logs in as on a secured broker, and what it may do there. */
        public ServiceAccess access() {
            return access;
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

    /** One running replica of a service. */
    private record Instance(Service service, int replica, int port, Process process) {}

    private final Path runDir;
    private final Path projectRoot;
    private final LocalKafkaBroker broker;
    private final Map<String, String> environment;
    /** Replica 0 of each service in {@link Service} order, then further replicas as they were added. */
    private final List<Instance> instances = new ArrayList<>();
    private final Thread shutdownHook = new Thread(this::stopAll, "local-pipeline-shutdown");
    private boolean stopped;

    private LocalPipeline(Path runDir, Path projectRoot, LocalKafkaBroker broker, Map<String, String> environment) {
        this.runDir = runDir;
        this.projectRoot = projectRoot;
        this.broker = broker;
        this.environment = Map.copyOf(environment);
    }

    /**
     * Starts the broker in {@code runDir/kafka} (which must not hold a previous broker's data), creates the
     * topics, starts the services packaged in the checkout at {@code projectRoot} and returns once every one
     * reports ready on {@code /q/health/ready}. On failure everything started so far is stopped again.
     */
    public static LocalPipeline start(Path runDir, Path projectRoot) {
        return start(runDir, projectRoot, 1, Map.of());
    }

    /**
     * Like {@link #start(Path, Path)} with {@code attackReplicas} attack services and {@code environment} added to
     * every service's environment (Quarkus reads any property from it, e.g. {@code ATTACK_SHARD_SIZE}).
     */
    public static LocalPipeline start(Path runDir, Path projectRoot, int attackReplicas,
            Map<String, String> environment) {
        return start(runDir, projectRoot, attackReplicas, environment, Protocol.PLAINTEXT);
    }

    /** Like {@link #start(Path, Path, int, Map)} on a broker that listens with {@code protocol}. */
    public static LocalPipeline start(Path runDir, Path projectRoot, int attackReplicas,
            Map<String, String> environment, Protocol protocol) {
        for (Service service : Service.values()) {
            if (!Files.isRegularFile(service.jar(projectRoot))) {
                throw new IllegalStateException(service.jar(projectRoot) + " is missing; run `mvn package` first");
            }
        }
        LocalKafkaBroker broker = LocalKafkaBroker.start(runDir.resolve("kafka"), protocol);
        LocalPipeline pipeline = new LocalPipeline(runDir, projectRoot, broker, environment);
        Runtime.getRuntime().addShutdownHook(pipeline.shutdownHook);
        try {
            broker.createProjectTopics();
            Files.createDirectories(pipeline.storeRoot());
            int[] ports = freePorts(Service.values().length);
            // All three start at once: their start-up (mostly class loading) overlaps with the others' waits.
            for (Service service : Service.values()) {
                pipeline.launch(service, 0, ports[service.ordinal()]);
            }
            pipeline.instances.forEach(pipeline::awaitReady);
            pipeline.addReplicas(Service.ATTACK, attackReplicas - 1);
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

    /** The broker's clients' properties as its super user ({@link LocalKafkaBroker#clientProperties()}). */
    public Map<String, Object> clientProperties() {
        return broker.clientProperties();
    }

    /** The broker's clients' properties as {@code access}'s user. */
    public Map<String, Object> clientProperties(ServiceAccess access) {
        return broker.clientProperties(access);
    }

    /** The broker's TLS and SASL set-up, on a secured broker. */
    public Optional<BrokerSecurity> security() {
        return broker.security();
    }

    /** The broker's own output. */
    public Path brokerLog() {
        return runDir.resolve("kafka").resolve("broker.log");
    }

    /** Base URL of a service's HTTP endpoints (its first replica's), such as {@code http://127.0.0.1:41234}. */
    public URI url(Service service) {
        return URI.create("http://127.0.0.1:" + instance(service, 0).port());
    }

    /** Starts {@code count} more replicas of a service and returns once they are ready. */
    public void addReplicas(Service service, int count) {
        int first = (int) instances.stream().filter(i -> i.service() == service).count();
        int[] ports = freePorts(count);
        for (int i = 0; i < count; i++) {
            launch(service, first + i, ports[i]);
        }
        instances.subList(instances.size() - count, instances.size()).forEach(this::awaitReady);
    }

    /** kill -9 of one replica of a service (0 is the first); returns once it is gone. */
    public void kill(Service service, int replica) {
        Process process = instance(service, replica).process();
        process.destroyForcibly();
        ChildProcesses.stop(process, STOP_TIMEOUT);
    }

    /** Stops one replica as a scale-down would (SIGTERM: it leaves its consumer groups); returns once it is gone. */
    public void stop(Service service, int replica) {
        ChildProcesses.stop(instance(service, replica).process(), STOP_TIMEOUT);
    }

    /** Starts a killed or stopped replica again, on its port and with its log, and returns once it is ready. */
    public void restart(Service service, int replica) {
        Instance old = instance(service, replica);
        if (old.process().isAlive()) {
            throw new IllegalStateException(service.module() + " replica " + replica + " is still running");
        }
        launch(service, replica, old.port());
        awaitReady(instance(service, replica));
    }

    /** Stops the broker cleanly, keeps it down for {@code down}, and starts it again on the same port and data. */
    public void restartBroker(Duration down) throws InterruptedException {
        broker.stop();
        Thread.sleep(down.toMillis());
        broker.restart();
    }

    /** The checkpoint store the services share. */
    public Path storeRoot() {
        return runDir.resolve("store");
    }

    /** The file a service's (first replica's) standard output and error go to. */
    public Path log(Service service) {
        return log(service, 0);
    }

    /** The log of one replica: {@code <module>.log} for the first, {@code <module>-<n>.log} for the n-th. */
    public Path log(Service service, int replica) {
        return runDir.resolve(service.module() + (replica == 0 ? "" : "-" + (replica + 1)) + ".log");
    }

    /** The processes this pipeline started, the broker first (while it runs), to check that none is left over. */
    public List<ProcessHandle> processes() {
        List<ProcessHandle> all = new ArrayList<>();
        ProcessHandle.of(broker.pid()).ifPresent(all::add);
        instances.forEach(instance -> all.add(instance.process().toHandle()));
        return all;
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
        instances.forEach(instance -> instance.process().destroy());
        instances.forEach(instance -> ChildProcesses.stop(instance.process(), STOP_TIMEOUT));
        broker.stop();
    }

    private Instance instance(Service service, int replica) {
        return instances.stream().filter(i -> i.service() == service && i.replica() == replica).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no replica " + replica + " of " + service.module()));
    }

    /** Starts a replica, replacing the entry of a killed one. */
    private void launch(Service service, int replica, int port) {
        Path jar = service.jar(projectRoot);
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.host=127.0.0.1", // a local pipeline, not a server for the network
                "-Dquarkus.http.port=" + port,
                // The PyTorch native library comes with the packaged jar (or PYTORCH_LIBRARY_PATH): never download.
                "-Dai.djl.offline=true",
                "-jar", jar.toString());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(runDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log(service, replica).toFile()));
        builder.environment().putAll(environment);
        builder.environment().put("KAFKA_BOOTSTRAP_SERVERS", bootstrapServers());
        broker.security().ifPresent(security -> builder.environment().putAll(security.environment(service.access())));
        builder.environment().put("DEEPDEFENSE_STORE_ROOT", storeRoot().toAbsolutePath().toString());
        // The evaluator's bookkeeping matches the broker's committed offsets: it lives and goes with the broker.
        builder.environment().put("EVALUATOR_STATE_DIR",
                runDir.resolve("kafka").resolve("evaluator-state").toAbsolutePath().toString());
        Instance instance;
        try {
            instance = new Instance(service, replica, port, builder.start());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + service.module(), e);
        }
        int index = instances.indexOf(instances.stream().filter(i -> i.service() == service && i.replica() == replica)
                .findFirst().orElse(null));
        if (index >= 0) {
            instances.set(index, instance);
        } else {
            instances.add(instance);
        }
    }

    private void awaitReady(Instance instance) {
        Service service = instance.service();
        Process process = instance.process();
        Path log = log(service, instance.replica());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + instance.port() + "/q/health/ready")).timeout(Duration.ofSeconds(5))
                .build();
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        try {
            while (true) {
                if (!process.isAlive()) {
                    throw new IllegalStateException(service.module() + " exited with code " + process.exitValue()
                            + "; see " + log);
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            service.module() + " not ready within " + READY_TIMEOUT + "; see " + log);
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
