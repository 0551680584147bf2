package org.deepdefense.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * docker/ and k8s/ checked offline (src/node/validate.mjs: kustomize render of both overlays, schemas, references,
 * yamllint, dockerfile-utils lint, promtool check rules), and the checks themselves shown to catch broken files.
 */
class DeployFilesTest {

    @Test
    void dockerAndKubernetesFilesPassTheChecks() throws Exception {
        requireTools();
        assertEquals(0, Tools.run(Tools.MODULE, List.of("node", "src/node/validate.mjs")), "see the output above");
    }

    @Test
    void theChecksRejectBrokenFiles() throws Exception {
        requireTools();
        assertEquals(0, Tools.run(Tools.MODULE, List.of("node", "--test", "src/node/")), "see the output above");
    }

    /** A key in a service's ConfigMap that the service does not know would be ignored without a word. */
    @Test
    void configMapsOnlyOverridePropertiesTheServicesHave() throws IOException {
        for (String service : List.of("trainer-service", "attack-service", "evaluator-service")) {
            Properties packaged = load(Tools.PROJECT_ROOT.resolve(service).resolve(
                    "src/main/resources/application.properties"));
            Properties cluster = load(Tools.PROJECT_ROOT.resolve("k8s/base/config").resolve(service + ".properties"));
            Set<String> unknown = new TreeSet<>(cluster.stringPropertyNames());
            unknown.removeIf(key -> packaged.containsKey(key) || key.startsWith("quarkus."));
            assertTrue(unknown.isEmpty(), () -> service + ": unknown properties " + unknown);
        }
    }

    private static void requireTools() {
        Tools.require("node", Tools.onPath("node"), "install Node.js 20+");
        Tools.require("deploy-checks/node_modules", Files.isDirectory(Tools.MODULE.resolve("node_modules")),
                "run `npm ci` in deploy-checks");
        Tools.require("yamllint", Tools.onPath("yamllint"), "apt-get install yamllint");
        Tools.require("promtool", Tools.onPath("promtool"), "apt-get install prometheus");
    }

    private static Properties load(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        }
        return properties;
    }
}
