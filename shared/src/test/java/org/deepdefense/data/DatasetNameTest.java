package org.deepdefense.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class DatasetNameTest {
    @Test
    void parsesIdsAndConstantNamesIgnoringCase() {
        assertEquals(DatasetName.MNIST, DatasetName.parse("mnist"));
        assertEquals(DatasetName.FASHION_MNIST, DatasetName.parse("fashion-mnist"));
        assertEquals(DatasetName.FASHION_MNIST, DatasetName.parse("fashion_mnist"));
        assertEquals(DatasetName.FASHION_MNIST, DatasetName.parse(" Fashion-MNIST "));
        assertEquals(DatasetName.CIFAR10, DatasetName.parse("CIFAR10"));
        assertEquals(DatasetName.GENERATED, DatasetName.parse("Generated"));
        for (DatasetName name : DatasetName.values()) {
            assertEquals(name, DatasetName.parse(name.id()));
            assertEquals(name, DatasetName.parse(name.name()));
        }
    }

    @Test
    void idsAreTheCommandLineNames() {
        assertEquals("mnist", DatasetName.MNIST.id());
        assertEquals("fashion-mnist", DatasetName.FASHION_MNIST.id());
        assertEquals("cifar10", DatasetName.CIFAR10.id());
        assertEquals("generated", DatasetName.GENERATED.id());
    }

    @Test
    void unknownNameListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DatasetName.parse("cifar100"));
        assertEquals("unknown dataset 'cifar100'; known datasets: mnist, fashion-mnist, cifar10, generated, imagefolder",
                e.getMessage());
    }
}
