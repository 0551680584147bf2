package org.deepdefense.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code ./deepdefense up} started, as {@code <runDir>/pipeline.json}: written by the {@link PipelineDaemon}
 * once everything is ready, read by {@code down}, {@code status} and {@code submit}.
 *
 * @param services by module name ({@code trainer-service}, …)
 */
record PipelineState(long daemonPid, String bootstrapServers, long brokerPid, String brokerLog,
        Map<String, ServiceState> services, List<String> topics, String store, String daemonLog) {

    record ServiceState(String url, long pid, String log) {}

    static final String FILE = "pipeline.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Every process of the pipeline, the daemon first. */
    List<Long> pids() {
        List<Long> pids = new ArrayList<>(List.of(daemonPid, brokerPid));
        services.values().forEach(s -> pids.add(s.pid()));
        return pids;
    }

    /** Written to a temporary file first, so that a reader never sees half of it. */
    void write(Path runDir) throws IOException {
        Path tmp = runDir.resolve(FILE + ".tmp");
        JSON.writeValue(tmp.toFile(), this);
        Files.move(tmp, runDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static Optional<PipelineState> read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        return Files.isRegularFile(file) ? Optional.of(JSON.readValue(file.toFile(), PipelineState.class))
                : Optional.empty();
    }
}
