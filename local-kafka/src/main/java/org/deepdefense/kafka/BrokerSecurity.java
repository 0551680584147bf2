package org.deepdefense.kafka;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;

/**
 * TLS and SASL of a {@link LocalKafkaBroker} started with {@link LocalKafkaBroker.Protocol#SASL_SSL}, all made
 * when the broker is: a self-signed certificate for 127.0.0.1 in a PKCS12 keystore and a truststore holding it,
 * both made by the JDK's {@code keytool} in {@code <work dir>/tls}, and fresh random passwords for the stores, the
 * super user {@code admin} (inter-broker and controller traffic, topic and ACL set-up) and every
 * {@link ServiceAccess} user. Clients authenticate with SCRAM-SHA-512; the controller listener, which SCRAM cannot
 * serve (its credentials live in the metadata that the controller serves), uses PLAIN for {@code admin} only.
 */
public final class BrokerSecurity {
    public static final String MECHANISM = "SCRAM-SHA-512";
    static final String SUPER_USER = "admin";
    private static final String STORE_TYPE = "PKCS12";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path keystore;
    private final Path truststore;
    private final String keystorePassword = password();
    private final String truststorePassword = password();
    /** Every user's password, the super user's first. */
    private final Map<String, String> passwords = new LinkedHashMap<>();

    private BrokerSecurity(Path dir) {
        this.keystore = dir.resolve("broker.p12");
        this.truststore = dir.resolve("truststore.p12");
        passwords.put(SUPER_USER, password());
        for (ServiceAccess access : ServiceAccess.values()) {
            passwords.put(access.user(), password());
        }
    }

    /** Makes the stores in {@code dir} (created if needed) and the passwords. */
    static BrokerSecurity generate(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var security = new BrokerSecurity(dir);
        Path certificate = dir.resolve("broker.crt");
        // Passwords reach keytool through its environment (-storepass:env), never its command line.
        security.keytool("-genkeypair", "-alias", "broker", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "7",
                "-keystore", security.keystore.toString(), "-storetype", STORE_TYPE, "-storepass:env", "KEYSTORE_PASS");
        security.keytool("-exportcert", "-alias", "broker", "-file", certificate.toString(),
                "-keystore", security.keystore.toString(), "-storetype", STORE_TYPE, "-storepass:env", "KEYSTORE_PASS");
        security.keytool("-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(),
                "-keystore", security.truststore.toString(), "-storetype", STORE_TYPE,
                "-storepass:env", "TRUSTSTORE_PASS");
        return security;
    }

    /** The lines of server.properties for the listeners {@code SASL_SSL} (clients) and {@code CONTROLLER}. */
    String serverProperties() {
        String admin = passwords.get(SUPER_USER);
        return """
                listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SASL_SSL
                ssl.keystore.type=%1$s
                ssl.keystore.location=%2$s
                ssl.keystore.password=%3$s
                # The broker's own connections (inter-broker, broker to controller) trust the same certificate.
                ssl.truststore.type=%1$s
                ssl.truststore.location=%4$s
                ssl.truststore.password=%5$s
                listener.name.sasl_ssl.sasl.enabled.mechanisms=%6$s
                sasl.mechanism.inter.broker.protocol=%6$s
                listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=%7$s
                listener.name.controller.sasl.enabled.mechanisms=PLAIN
                sasl.mechanism.controller.protocol=PLAIN
                listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule \
                required username="%8$s" password="%9$s" user_%8$s="%9$s";
                # Every request is checked against the ACLs (ServiceAccess); only the super user bypasses them.
                authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
                super.users=User:%8$s
                allow.everyone.if.no.acl.found=false
                """.formatted(STORE_TYPE, keystore.toAbsolutePath(), keystorePassword, truststore.toAbsolutePath(),
                truststorePassword, MECHANISM, jaas(SUPER_USER, admin), SUPER_USER, admin);
    }

    /** The storage format's arguments that create every user's SCRAM credential in the new cluster's metadata. */
    List<String> formatArguments() {
        List<String> arguments = new ArrayList<>();
        passwords.forEach((user, password) -> {
            arguments.add("--add-scram");
            arguments.add(MECHANISM + "=[name=" + user + ",password=" + password + "]");
        });
        return arguments;
    }

    /** Client properties (without {@code bootstrap.servers}) of the super user. */
    Map<String, Object> superUserProperties() {
        return clientProperties(SUPER_USER, passwords.get(SUPER_USER));
    }

    /** Client properties (without {@code bootstrap.servers}) of {@code access}'s user. */
    public Map<String, Object> clientProperties(ServiceAccess access) {
        return clientProperties(access.user(), passwords.get(access.user()));
    }

    /** Client properties (without {@code bootstrap.servers}) of {@code user} logging in with {@code password}. */
    public Map<String, Object> clientProperties(String user, String password) {
        return Map.of(
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, jaas(user, password),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, STORE_TYPE,
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toAbsolutePath().toString(),
                SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, truststorePassword);
    }

    /**
     * The environment of a service that logs in as {@code access}'s user: the {@code KAFKA_*} variables of
     * docs/RELIABILITY.md#kafka-tls-and-sasl, which every service maps to its Kafka clients' properties.
     */
    public Map<String, String> environment(ServiceAccess access) {
        Map<String, String> environment = new LinkedHashMap<>();
        clientProperties(access).forEach((name, value) ->
                environment.put("KAFKA_" + name.toUpperCase().replace('.', '_'), value.toString()));
        return environment;
    }

    /** Every password this broker's set-up uses, to check that none reaches a log. */
    public List<String> secrets() {
        List<String> secrets = new ArrayList<>(passwords.values());
        secrets.add(keystorePassword);
        secrets.add(truststorePassword);
        return secrets;
    }

    private static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** 128 random bits in letters and digits, which need no quoting in JAAS lines or format arguments. */
    private static String password() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return new BigInteger(1, bytes).toString(36);
    }

    private void keytool(String... arguments) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        var builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("KEYSTORE_PASS", keystorePassword);
        builder.environment().put("TRUSTSTORE_PASS", truststorePassword);
        try {
            Process keytool = builder.start();
            String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!keytool.waitFor(1, TimeUnit.MINUTES) || keytool.exitValue() != 0) {
                keytool.destroyForcibly();
                throw new IllegalStateException("keytool " + arguments[0] + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
