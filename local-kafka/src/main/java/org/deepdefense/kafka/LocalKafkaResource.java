package org.deepdefense.kafka;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A {@link LocalKafkaBroker} for {@code @QuarkusTest}s, with every project topic created (one partition each,
 * {@code Topics.partitions} for the shard topic): {@code @QuarkusTestResource(LocalKafkaResource.class)}. Points
 * Quarkus at it through {@code kafka.bootstrap.servers}. The broker's directory is a fresh one under {@code target/}.
 */
public class LocalKafkaResource implements QuarkusTestResourceLifecycleManager {

    private LocalKafkaBroker broker;

    @Override
    public Map<String, String> start() {
        try {
            // Under the module's target/: `mvn clean` removes it, and broker.log is there to read after a failure.
            Path target = Files.createDirectories(Path.of("target"));
            broker = LocalKafkaBroker.start(Files.createTempDirectory(target, "local-kafka-"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        broker.createProjectTopics();
        return Map.of("kafka.bootstrap.servers", broker.bootstrapServers());
    }

    @Override
    public void stop() {
        if (broker != null) {
            broker.stop();
        }
    }
}
