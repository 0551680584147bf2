package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10ReaderTest {
    @TempDir
    Path dir;

    @Test
    void readsAllTrainingBatchesInOrderAndTheTestBatch() throws IOException {
        TestFiles.writeCifar(dir);

        Dataset train = Cifar10Reader.read(dir, Split.TRAIN);
        assertEquals(1 + 2 + 3 + 4 + 5, train.size());
        assertEquals("cifar10", train.name());
        assertEquals(3, train.channels());
        assertEquals(32, train.height());
        assertEquals(32, train.width());
        assertEquals(10, train.numClasses());
        TestFiles.assertSamples(train, 0);

        Dataset test = Cifar10Reader.read(dir, Split.TEST);
        assertEquals(4, test.size());
        TestFiles.assertSamples(test, 0);
    }

    @Test
    void findsTheTarballsSubdirectory() throws IOException {
        TestFiles.writeCifar(dir.resolve("cifar-10-batches-bin"));
        TestFiles.assertSamples(Cifar10Reader.read(dir, Split.TEST), 0);
    }

    @Test
    void rejectsFilesThatAreNotWholeRecords() {
        TestFiles.writeCifar(dir);
        byte[] batch = TestFiles.cifarBatch(0, 2);
        TestFiles.write(dir.resolve("data_batch_5.bin"), Arrays.copyOf(batch, batch.length - 1), false);
        assertFails(Split.TRAIN,
                dir.resolve("data_batch_5.bin") + ": size 6145 is not a positive multiple of the 3073-byte");

        TestFiles.write(dir.resolve("test_batch.bin"), new byte[0], false);
        assertFails(Split.TEST, dir.resolve("test_batch.bin") + ": size 0");
    }

    @Test
    void rejectsLabelsOutOfRange() {
        TestFiles.writeCifar(dir);
        byte[] batch = TestFiles.cifarBatch(0, 3);
        batch[Cifar10Reader.RECORD_BYTES] = 10; // the second record's label
        TestFiles.write(dir.resolve("test_batch.bin"), batch, false);
        assertFails(Split.TEST, dir.resolve("test_batch.bin") + ": record 1 has label 10, expected 0..9");
    }

    private void assertFails(Split split, String message) {
        IOException e = assertThrows(IOException.class, () -> Cifar10Reader.read(dir, split));
        assertTrue(e.getMessage().startsWith(message), e.getMessage());
    }
}
