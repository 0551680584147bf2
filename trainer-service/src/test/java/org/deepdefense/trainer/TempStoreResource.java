package org.deepdefense.trainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A fresh checkpoint store under target/ for each test run of the service. */
public class TempStoreResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        try {
            Path target = Files.createDirectories(Path.of("target"));
            return Map.of("deepdefense.store.root", Files.createTempDirectory(target, "store-").toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}
