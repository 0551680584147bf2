package org.deepdefense.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deepdefense.pipeline.LocalPipeline;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands the test methods of {@code @ExtendWith(SharedPipeline.class)} classes one {@link LocalPipeline} for all
 * reliability tests of a JVM (starting one takes a while on two cores), stopped when the last test class is done. Every test uses its own run ids and reads only its own records, so the order of the
 * test classes does not matter; a test that kills or restarts a process leaves it running again.
 */
public final class SharedPipeline implements ParameterResolver {
    /**
     * Resume points every 10 steps, so that a trainer killed inside an epoch has one to continue from; progress
     * every second, so that a test sees a run's progress within its few seconds.
     */
    private static final Map<String, String> ENVIRONMENT = Map.of(
            "DEEPDEFENSE_TRAINER_RESUME_EVERY_STEPS", "10",
            "DEEPDEFENSE_TRAINER_PROGRESS_INTERVAL", "1s");

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == LocalPipeline.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(SharedPipeline.class, ignored -> new Holder(start()), Holder.class).pipeline;
    }

    private static LocalPipeline start() {
        Path projectRoot = Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
        try {
            Path runDir = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "pipeline-");
            return LocalPipeline.start(runDir, projectRoot, 1, ENVIRONMENT);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the run directory", e);
        }
    }

    /** Closed by JUnit with the root context, after the last test class (AutoCloseable for JUnit 5.13 and later). */
    private record Holder(LocalPipeline pipeline) implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        @Override
        public void close() {
            pipeline.close();
        }
    }
}
