package org.deepdefense.trainer;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.deepdefense.data.GeneratedImageFolders;

/**
 * A fresh checkpoint store under target/ for each test run of the service, and a data directory beside it holding
 * the generated image folder {@value #FOLDER_ROOT} (4 classes of 28×28 grey images, 20 + 5 per class).
 */
public class TempStoreResource implements QuarkusTestResourceLifecycleManager {
    static final String FOLDER_ROOT = "folders/bands";

    @Override
    public Map<String, String> start() {
        try {
            Path target = Files.createDirectories(Path.of("target"));
            Path imageFolders = Files.createTempDirectory(target, "image-folders-");
            GeneratedImageFolders.write(imageFolders.resolve(FOLDER_ROOT), 4, 20, 5, 28, 1);
            return Map.of("deepdefense.store.root", Files.createTempDirectory(target, "store-").toString(),
                    "deepdefense.image-folders.dir", imageFolders.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {}
}
