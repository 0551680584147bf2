package org.deepdefense.reliability;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.deepdefense.kafka.ChildProcesses;
import org.deepdefense.pipeline.LocalPipeline.Service;
import org.junit.jupiter.api.Test;

/**
 * The Kafka TLS/SASL variables of docs/RELIABILITY.md reach a packaged service's Kafka clients, and the secret in
 * them does not reach its log. No broker is needed: the SASL login happens when a client is built, and a
 * truststore that does not exist stops the TLS set-up (and the service) with its path in the reason.
 */
class KafkaSecurityIT {
    private static final String SECRET = "s3cret-" + Long.toString(System.nanoTime(), 36);

    @Test
    void tlsAndSaslSettingsReachTheKafkaClientsAndTheSecretStaysOutOfTheLog() throws Exception {
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "kafka-security-");
        Path log = dir.resolve("attack-service.log");
        Path truststore = dir.resolve("no-such-truststore.p12");
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.host=127.0.0.1", "-Dquarkus.http.port=0", "-Dai.djl.offline=true",
                "-jar", Service.ATTACK.jar(projectRoot).toString()))
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
}
