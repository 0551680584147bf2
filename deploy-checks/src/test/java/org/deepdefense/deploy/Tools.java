package org.deepdefense.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/** The project checkout and the external tools the checks run. */
final class Tools {
    static final Path PROJECT_ROOT =
            Path.of(System.getProperty("deepdefense.project.root", "..")).toAbsolutePath().normalize();
    static final Path MODULE = PROJECT_ROOT.resolve("deploy-checks");

    private Tools() {}

    /**
     * Skips the test, saying what is missing and how to get it, when a tool is absent; under CI (.ci/run installs
     * them all) a missing tool fails the test instead, so that a broken install cannot turn the checks off.
     */
    static void require(String what, boolean present, String howToGet) {
        if (present) {
            return;
        }
        String message = what + " is missing: " + howToGet + " (.ci/run does)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    static boolean onPath(String command) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }

    /** Runs a command in {@code dir}; returns its exit status, its output echoed to the test's output. */
    static int run(Path dir, List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        System.out.print(output);
        return process.waitFor();
    }
}
