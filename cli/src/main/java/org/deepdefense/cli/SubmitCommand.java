package org.deepdefense.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.deepdefense.messages.Hyperparameters;
import org.deepdefense.messages.InvalidMessageException;
import org.deepdefense.messages.Message;
import org.deepdefense.messages.Messages;
import org.deepdefense.messages.Topics;
import org.deepdefense.messages.TrainingRequest;

/** ./deepdefense submit: one validated {@link TrainingRequest} on the requests topic, keyed by its run id. */
final class SubmitCommand {
    static final String DEFAULT_BOOTSTRAP = "localhost:9092";

    private SubmitCommand() {}

    static void run(Args args) throws Exception {
        Path runDir = PipelineCommands.runDir(args);
        String bootstrap = args.string("bootstrap", null);
        TrainingRequest request = request(args);
        args.requireAllUsed();
        if (bootstrap == null) {
            bootstrap = PipelineCommands.bootstrapServers(runDir).orElse(DEFAULT_BOOTSTRAP);
        }
        send(bootstrap, request);
        System.out.println("submitted " + request.runId() + " to " + Topics.TRAINING_REQUESTS + " at " + bootstrap);
    }

    /** The request the options describe; the record's own checks reject an invalid one before anything is sent. */
    static TrainingRequest request(Args args) {
        Hyperparameters d = Hyperparameters.DEFAULTS;
        String attacks = args.string("attacks", null);
        try {
            return new TrainingRequest(Messages.SCHEMA_VERSION, args.required("run-id"),
                    args.string("dataset", "fashion-mnist"), args.string("dataset-root", null), args.string("arch", "mlp"),
                    args.string("method", "vanilla"), args.string("from", null), args.string("from-sha256", null),
                    new Hyperparameters(args.integer("epochs", d.epochs()), args.integer("batch-size", d.batchSize()),
                            args.number("lr", d.learningRate()), d.momentum(), d.weightDecay(), d.lambda(), d.c(),
                            d.d(), d.deepFoolIterations(), d.overshoot(), args.string("lr-schedule", d.lrSchedule()),
                            args.number("parseval-beta", d.parsevalBeta()),
                            args.number("adv-epsilon", d.adversarialEpsilon()),
                            args.number("adv-ratio", d.adversarialRatio())),
                    args.integer("seed", 1),
                    attacks == null ? null : Arrays.stream(attacks.split(",")).map(String::trim).toList(),
                    args.optionalInteger("train-subset"), args.optionalInteger("test-subset"), null);
        } catch (InvalidMessageException e) {
            throw new Args.UsageException(e.getMessage());
        }
    }

    static void send(String bootstrap, TrainingRequest request) throws InterruptedException, ExecutionException {
        send(bootstrap, Topics.TRAINING_REQUESTS, request.runId(), request);
    }

    /** One record on {@code topic}, waited for until the broker has it. */
    static void send(String bootstrap, String topic, String key, Message record)
            throws InterruptedException, ExecutionException {
        try (var producer = new KafkaProducer<>(Map.<String, Object>of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                // An unreachable broker fails the command within seconds instead of the default minute.
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, key, Messages.toJson(record))).get();
        }
    }
}
