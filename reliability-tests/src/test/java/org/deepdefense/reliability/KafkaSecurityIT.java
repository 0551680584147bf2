package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.deepdefense.kafka.BrokerSecurity;
import org.deepdefense.kafka.ChildProcesses;
import org.deepdefense.kafka.LocalKafkaBroker.Protocol;
import org.deepdefense.kafka.ServiceAccess;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.RobustnessReportMessage;
import org.deepdefense.messages.ShardPlan;
import org.deepdefense.messages.ShardResult;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.deepdefense.pipeline.TopicReader;
import org.junit.jupiter.api.Test;

/**
 * Kafka TLS, SASL and ACLs (docs/RELIABILITY.md#kafka-tls-and-sasl). The three packaged services against a real
 * broker that only listens with SASL_SSL, each logged in as its own SCRAM user: a run goes from request to report;
 * a client with a wrong password is refused; each service dead-letters a poison record of every topic it reads
 * (so it may write those dead-letter topics); a shard plan and result forged with the trainer's credentials are
 * refused by the broker and never reach the evaluator; no password or store password reaches any log. And, without
 * a broker, a missing truststore stops a service with its path in the reason.
 */
class KafkaSecurityIT {
    private static final String SUFFIX = "-" + Long.toString(System.currentTimeMillis(), 36);
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final String SECRET = "s3cret-" + Long.toString(System.nanoTime(), 36);

    @Test
    void theServicesWorkOverSaslSslAndTheBrokerRefusesWrongPasswordsAndForgedWriters() throws Exception {
        long started = System.nanoTime();
        Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kafka-security-");
        List<Path> logs = new ArrayList<>();
        BrokerSecurity security;
        try (LocalPipeline pipeline = LocalPipeline.start(runDir, projectRoot(), 1, Map.of(), Protocol.SASL_SSL)) {
            double startSeconds = seconds(started);
            security = pipeline.security().orElseThrow();
            Map<String, Object> client = pipeline.clientProperties(ServiceAccess.CLIENT);
            Map<String, Object> admin = pipeline.clientProperties();

            // Real work: the trainer's checkpoint, the attack service's plan and results, the evaluator's report.
            long runStarted = System.nanoTime();
            String runId = "secure" + SUFFIX;
            String checkpointId = runId + "-final";
            Kafka.send(client, Topics.TRAINING_REQUESTS, runId, Kafka.request(runId, 100, 50, 1, 100));
            RobustnessReportMessage report = TopicReader.awaitReport(client, runId, TIMEOUT);
            double runSeconds = seconds(runStarted);
            assertTrue(TopicReader.readAll(client, List.of(Topics.CHECKPOINTS)).stream()
                    .filter(r -> runId.equals(r.key()))
                    .anyMatch(r -> Messages.parseCheckpointPublished(r.value()).finalCheckpoint()), "no final checkpoint");
            Kafka.ShardOutputs outputs = Kafka.shardOutputs(admin, checkpointId);
            ShardPlan plan = outputs.plan();
            long attackResults = TopicReader.readAll(client, List.of(Topics.ATTACK_RESULTS)).stream()
                    .filter(r -> runId.equals(r.key())).count();
            assertTrue(attackResults > 0, "no attack results for " + runId);

            // Each service may write the dead-letter topic of every topic it reads: a poison record on each (written
            // by the super user, as an operator could) comes back as a dead letter from each of its consumers.
            Map<String, Kafka.Position> poison = new HashMap<>();
            for (Service service : Service.values()) {
                for (String topic : service.access().reads()) {
                    if (!poison.containsKey(topic)) {
                        poison.put(topic, Kafka.send(admin, topic, "poison" + SUFFIX, "not json"));
                    }
                }
            }
            int letters = 0;
            for (Service service : Service.values()) {
                for (String topic : service.access().reads()) {
                    Kafka.awaitLetter(admin, topic, poison.get(topic), service, TIMEOUT);
                    letters++;
                }
            }

            // A wrong password: the broker refuses the login.
            Map<String, Object> wrongPassword = pipeline.clientProperties();
            wrongPassword.putAll(security.clientProperties(ServiceAccess.ATTACK.user(), "not" + SUFFIX));
            assertThrows(SaslAuthenticationException.class,
                    () -> TopicReader.fromTheBeginning(wrongPassword, List.of(Topics.REPORTS)).close());

            // A plan and a result that fit each other, for a checkpoint the evaluator has not seen, written with the
            // trainer's credentials: the broker refuses both, the topic holds neither and the evaluator knows nothing.
            String forgedId = "forged" + SUFFIX + "-final";
            ShardResult real = outputs.results().get(0);
            int samples = real.to() - real.from();
            ShardPlan forgedPlan = new ShardPlan(1, runId, forgedId, plan.attacks(), List.of(0, samples),
                    plan.options(), plan.timestamp());
            ShardResult forgedResult = new ShardResult(1, runId, forgedId, real.attacks(), 0, 1, 0, samples,
                    real.outcomes(), real.options(), real.seconds(), real.timestamp());
            var refused = assertThrows(ExecutionException.class, () -> Kafka.send(
                    pipeline.clientProperties(ServiceAccess.TRAINER), Topics.SHARD_RESULTS,
                    List.of(record(forgedId, forgedPlan), record(forgedId, forgedResult))));
            assertInstanceOf(TopicAuthorizationException.class, refused.getCause());
            assertTrue(TopicReader.readAll(admin, List.of(Topics.SHARD_RESULTS, Topics.deadLetter(Topics.SHARD_RESULTS)))
                    .stream().noneMatch(r -> forgedId.equals(r.key())), "a forged record is on the topic");
            assertEquals(404, Kafka.getAnyStatus(pipeline.url(Service.EVALUATOR).resolve("/checkpoints/" + forgedId))
                    .statusCode(), "the evaluator knows the forged checkpoint");
            assertTrue(Kafka.get(pipeline.url(Service.EVALUATOR).resolve("/checkpoints/" + checkpointId))
                    .contains("\"status\":\"reported\""));

            System.out.printf("kafka-security: pipeline on SASL_SSL (SCRAM-SHA-512, ACLs) up in %.1f s; %s: final "
                    + "checkpoint, plan of %d shards, %d attack results, report (clean accuracy %.3f, rho2 %.4f) "
                    + "in %.1f s; %d dead letters from %d poison records; wrong password refused (%s); forged plan and result "
                    + "refused (%s)%n",
                    startSeconds, runId, plan.shards(), attackResults, report.cleanAccuracy(), report.rho2(),
                    runSeconds, letters, poison.size(), SaslAuthenticationException.class.getSimpleName(),
                    refused.getCause().getClass().getSimpleName());
            for (Service service : Service.values()) {
                logs.add(pipeline.log(service));
            }
            logs.add(pipeline.brokerLog());
        }
        // After the pipeline has stopped, so that every log is complete.
        for (Path log : logs) {
            String output = Files.readString(log);
            for (String secret : security.secrets()) {
                assertFalse(output.contains(secret), "a password is in " + log);
            }
        }
        System.out.printf("kafka-security: %d secrets absent from %d logs; %.1f s in all%n", security.secrets().size(),
                logs.size(), seconds(started));
    }

    /** No broker is needed: the SASL login happens when a client is built, and the TLS set-up needs the truststore. */
    @Test
    void aMissingTruststoreStopsTheServiceAndTheSecretStaysOutOfItsLog() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kafka-security-");
        Path log = dir.resolve("attack-service.log");
        Path truststore = dir.resolve("no-such-truststore.p12");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=0", "-Dai.djl.offline=true",
                "-jar", Service.ATTACK.jar(projectRoot()).toString()))
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(Redirect.to(log.toFile()));
        builder.environment().putAll(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9", // nothing listens: the clients only need to be built
                "DEEPDEFENSE_STORE_ROOT", dir.resolve("store").toString(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required"
                        + " username=\"attack\" password=\"" + SECRET + "\";",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", truststore.toString()));
        Process service = builder.start();
        try {
            assertTrue(service.waitFor(120, TimeUnit.SECONDS), "a service without its truststore kept running");
        } finally {
            ChildProcesses.stop(service, Duration.ofSeconds(30));
        }
        String output = Files.readString(log);
        assertTrue(output.contains("Successfully logged in"), "no SASL login in " + log);
        assertTrue(output.contains("Failed to load SSL keystore " + truststore), "the truststore was not used: " + log);
        assertFalse(output.contains(SECRET), "the SASL password is in " + log);
    }

    private static Kafka.Record record(String key, Message message) {
        return new Kafka.Record(key, Messages.toJson(message));
    }

    private static Path projectRoot() {
        return Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
