package org.deepdefense.kafka;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.errors.TopicExistsException;
import org.deepdefense.messages.Topics;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one process) running in a child JVM
 * on this JVM's classpath, for tests and local runs without Docker. Everything it writes stays in the
 * work directory: {@code server.properties}, the log segments under {@code data/} and the broker's
 * output in {@code broker.log}. It listens either in plain text, without authentication (tests and local runs), or
 * with TLS, SASL and ACLs ({@link BrokerSecurity}, {@link ServiceAccess}) as a production broker would.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    /** How clients reach the broker. */
    public enum Protocol {
        /** No encryption, no authentication, no authorization. */
        PLAINTEXT,
        /** TLS, SCRAM-SHA-512 users, and the ACLs of {@link ServiceAccess}. */
        SASL_SSL
    }

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final int START_ATTEMPTS = 3;
    private static final int LOG_TAIL_CHARS = 8 * 1024;

    private final Path workDir;
    private final Path config;
    private final Path log;
    private final int port;
    private final BrokerSecurity security; // null in plain text
    private Process process; // the last one started, kept after it stops for pid()
    private Thread shutdownHook; // null while stopped

    private LocalKafkaBroker(Path workDir, int port, BrokerSecurity security) {
        this.workDir = workDir;
        this.config = workDir.resolve("server.properties");
        this.log = workDir.resolve("broker.log");
        this.port = port;
        this.security = security;
    }

    /**
     * Formats a new broker in {@code workDir} (created if needed; it must not hold a previous broker's
     * data) and starts it, returning once an admin client can list its topics. Ports are picked free at
     * random; if another process takes one before the broker binds it, the attempt is retried on new ports.
     */
    public static LocalKafkaBroker start(Path workDir) {
        return start(workDir, Protocol.PLAINTEXT);
    }

    /**
     * Like {@link #start(Path)}, listening with {@code protocol}. For {@link Protocol#SASL_SSL} the stores and
     * passwords are made first ({@link BrokerSecurity}, in {@code tls/}) and the {@link ServiceAccess} ACLs are in
     * force when this returns.
     */
    public static LocalKafkaBroker start(Path workDir, Protocol protocol) {
        Path data = workDir.resolve("data");
        if (Files.isDirectory(data) && !isEmpty(data)) {
            throw new IllegalStateException(data + " already holds a broker's data; give an empty directory");
        }
        BrokerSecurity security = protocol == Protocol.SASL_SSL ? BrokerSecurity.generate(workDir.resolve("tls")) : null;
        for (int attempt = 1; ; attempt++) {
            int[] ports = freePorts();
            var broker = new LocalKafkaBroker(workDir, ports[0], security);
            try {
                broker.format(ports[1]);
                broker.launch();
                if (security != null) {
                    broker.createAcls();
                }
                return broker;
            } catch (PortTakenException e) {
                deleteRecursively(data); // the controller's address is recorded in the formatted log
                if (attempt == START_ATTEMPTS) {
                    throw new IllegalStateException("no free ports after " + START_ATTEMPTS + " attempts", e);
                }
            }
        }
    }

    /** {@code host:port} of the client listener, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The TLS and SASL set-up of a {@link Protocol#SASL_SSL} broker; empty in plain text. */
    public Optional<BrokerSecurity> security() {
        return Optional.ofNullable(security);
    }

    /**
     * The properties a client needs to reach this broker as its super user: {@code bootstrap.servers} and, on a
     * secured broker, the TLS and SASL ones.
     */
    public Map<String, Object> clientProperties() {
        return withBootstrap(security().map(BrokerSecurity::superUserProperties).orElse(Map.of()));
    }

    /** Like {@link #clientProperties()}, as {@code access}'s user on a secured broker (the same in plain text). */
    public Map<String, Object> clientProperties(ServiceAccess access) {
        return withBootstrap(security().map(s -> s.clientProperties(access)).orElse(Map.of()));
    }

    /** {@code security} and {@code bootstrap.servers}, in a map the caller may change. */
    private Map<String, Object> withBootstrap(Map<String, Object> security) {
        Map<String, Object> properties = new HashMap<>(security);
        properties.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        return properties;
    }

    /**
     * Creates the project topics ({@link Topics#all()}) that do not exist yet, each with its partition count, and
     * returns once the broker lists them all: topics created by separate requests do not all become visible at once.
     */
    public void createProjectTopics() {
        Topics.all().stream().collect(Collectors.groupingBy(Topics::partitions))
                .forEach((partitions, topics) -> createTopics(topics, partitions));
        try (Admin admin = admin()) {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (!admin.listTopics().names().get(1, TimeUnit.MINUTES).containsAll(Topics.all())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("the broker does not list the topics " + Topics.all());
                }
                Thread.sleep(50);
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("cannot list topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the topics", e);
        }
    }

    /** Creates the topics that do not exist yet, with replication factor 1. */
    public void createTopics(Collection<String> topics, int partitions) {
        List<NewTopic> newTopics = topics.stream().map(t -> new NewTopic(t, partitions, (short) 1)).toList();
        try (Admin admin = admin()) {
            for (var result : admin.createTopics(newTopics).values().values()) {
                try {
                    result.get(1, TimeUnit.MINUTES);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topics " + topics, e.getCause());
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("topics " + topics + " not created within a minute", e);
        }
    }

    /** Asks the broker to shut down cleanly, kills it if it has not within 30 s, and waits until it is gone. */
    public synchronized void stop() {
        if (shutdownHook == null) {
            return;
        }
        terminate(process);
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // The hook is running or about to; the process is gone either way.
        }
        shutdownHook = null;
    }

    /** Stops the broker and starts it again on the same ports and data. */
    public synchronized void restart() {
        stop();
        launch();
    }

    /** Process id of the broker's JVM (of the last one started, once stopped). */
    public synchronized long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        stop();
    }

    /** Starts a broker in the given directory with the project topics, prints its address, and runs until killed. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: LocalKafkaBroker <work-dir>");
            System.exit(2);
        }
        LocalKafkaBroker broker = start(Path.of(args[0]));
        broker.createProjectTopics();
        System.out.println(broker.bootstrapServers());
        System.exit(broker.process.waitFor()); // the shutdown hook stops the broker when this JVM is killed
    }

    private void format(int controllerPort) {
        try {
            Files.createDirectories(workDir);
            Files.writeString(config, serverProperties(controllerPort));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long logStart = logSize();
        // The cluster id is what `StorageTool random-uuid` would print; generating it here saves a JVM start.
        List<String> arguments = new ArrayList<>(List.of("format", "--standalone",
                "-t", Uuid.randomUuid().toString(), "-c", config.toString()));
        if (security != null) {
            arguments.addAll(security.formatArguments()); // SCRAM credentials live in the cluster's metadata
        }
        Process format = spawn("kafka.tools.StorageTool", arguments.toArray(String[]::new));
        try {
            if (!format.waitFor(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS) || format.exitValue() != 0) {
                format.destroyForcibly();
                throw new IllegalStateException("formatting the broker's storage failed:\n" + tail(logSince(logStart)));
            }
        } catch (InterruptedException e) {
            format.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while formatting the broker's storage", e);
        }
    }

    private String serverProperties(int controllerPort) {
        String listener = security == null ? "PLAINTEXT" : "SASL_SSL";
        return """
                # Written by LocalKafkaBroker: one node that is both broker and controller (KRaft).
                process.roles=broker,controller
                node.id=1
                controller.quorum.bootstrap.servers=127.0.0.1:%1$d
                controller.listener.names=CONTROLLER
                listeners=%4$s://127.0.0.1:%2$d,CONTROLLER://127.0.0.1:%1$d
                advertised.listeners=%4$s://127.0.0.1:%2$d
                inter.broker.listener.name=%4$s
                %5$s
                log.dirs=%3$s
                # A single replica of everything.
                num.partitions=1
                default.replication.factor=1
                min.insync.replicas=1
                offsets.topic.replication.factor=1
                transaction.state.log.replication.factor=1
                transaction.state.log.min.isr=1
                share.coordinator.state.topic.replication.factor=1
                share.coordinator.state.topic.min.isr=1
                # 1 partition instead of 50: creating the offsets topic dominates a consumer's first poll.
                offsets.topic.num.partitions=1
                # Consumers join at once instead of waiting 3 s for others.
                group.initial.rebalance.delay.ms=0
                """.formatted(controllerPort, port, workDir.resolve("data").toAbsolutePath(), listener,
                security == null ? "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"
                        : security.serverProperties());
    }

    /** Starts the broker process and waits until it answers; a port clash surfaces as {@link PortTakenException}. */
    private void launch() {
        long logStart = logSize();
        Process started = spawn("kafka.Kafka", config.toString());
        process = started;
        shutdownHook = new Thread(() -> terminate(started), "local-kafka-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        try {
            awaitReady(logStart);
        } catch (RuntimeException e) {
            stop();
            throw e;
        }
    }

    private void awaitReady(long logStart) {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        try (Admin admin = admin()) {
            while (true) {
                if (!process.isAlive()) {
                    String output = logSince(logStart);
                    // The bind failure is followed by pages of shutdown logging, so search all of it.
                    if (output.contains("Address already in use")) {
                        throw new PortTakenException(tail(output));
                    }
                    throw new IllegalStateException(
                            "the broker exited with code " + process.exitValue() + ":\n" + tail(output));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "the broker did not answer within " + START_TIMEOUT + ":\n" + tail(logSince(logStart)));
                }
                try {
                    admin.listTopics().names().get(2, TimeUnit.SECONDS);
                    return;
                } catch (ExecutionException | TimeoutException notYet) {
                    Thread.sleep(200);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
    }

    private Admin admin() {
        Map<String, Object> properties = clientProperties();
        properties.putAll(Map.of(
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000,
                AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500));
        return Admin.create(properties);
    }

    /** Grants every {@link ServiceAccess} user its ACLs; returns once the controller has them all. */
    private void createAcls() {
        List<AclBinding> acls = Stream.of(ServiceAccess.values()).flatMap(a -> a.acls().stream()).toList();
        try (Admin admin = admin()) {
            admin.createAcls(acls).all().get(1, TimeUnit.MINUTES);
        } catch (ExecutionException | TimeoutException e) {
            stop();
            throw new IllegalStateException("cannot create the ACLs", e);
        } catch (InterruptedException e) {
            stop();
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the ACLs", e);
        }
    }

    /** A JVM on this JVM's classpath running {@code mainClass}, its output appended to broker.log. */
    private Process spawn(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                // A local broker carries little load, so tune for start-up and a small footprint: one GC
                // thread, and C1 only (starts about a quarter faster on two cores).
                "-XX:+UseSerialGC",
                "-XX:TieredStopAtLevel=1",
                "-Dslf4j.provider=" + BrokerLogProvider.class.getName(),
                "-cp", System.getProperty("java.class.path"),
                mainClass));
        command.addAll(List.of(args));
        try {
            return new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a JVM for " + mainClass, e);
        }
    }

    private static void terminate(Process process) {
        ChildProcesses.stop(process, STOP_TIMEOUT); // SIGTERM first: Kafka's own shutdown hook closes the logs cleanly
    }

    private long logSize() {
        return log.toFile().length(); // 0 while there is no log yet
    }

    /** What the child JVMs wrote to broker.log from byte {@code offset} on. */
    private String logSince(long offset) {
        try (var file = new RandomAccessFile(log.toFile(), "r")) {
            byte[] output = new byte[(int) (file.length() - offset)];
            file.seek(offset);
            file.readFully(output);
            return new String(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
    }

    /** The end of a log, enough for an exception message. */
    private static String tail(String output) {
        return output.length() <= LOG_TAIL_CHARS ? output : "…" + output.substring(output.length() - LOG_TAIL_CHARS);
    }

    /** Two distinct free ports, held open together so they cannot be the same one. */
    private static int[] freePorts() {
        try (var a = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
             var b = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return new int[] {a.getLocalPort(), b.getLocalPort()};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The broker could not bind a port that was free when it was picked. */
    private static final class PortTakenException extends IllegalStateException {
        PortTakenException(String logTail) {
            super("a port was taken before the broker could bind it:\n" + logTail);
        }
    }
}
