package org.deepdefense.cli;

/** The text of ./deepdefense help. */
final class Usage {
    private Usage() {}

    static final String TEXT = """
            usage: ./deepdefense <command> [options]

              bench     --arch mlp|lenet|convnet|nin [--threads N] [--steps S] [--batch-size 100]
                        throughput of vanilla and Deep Defense steps on generated data, as one JSON line
            """;
}
