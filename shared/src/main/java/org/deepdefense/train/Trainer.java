package org.deepdefense.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.SplittableRandom;
import org.deepdefense.data.Dataset;
import org.deepdefense.data.EpochOrder;
import org.deepdefense.data.Preprocessor;
import org.deepdefense.nn.ForwardPass;
import org.deepdefense.nn.HostTransfers;
import org.deepdefense.nn.Logits;
import org.deepdefense.nn.Network;

/**
 * Runs training epochs of a {@link Network} on a dataset. Every step opens its own NDManager, so all temporaries
 * of the step, the unrolled DeepFool graph included, are freed when it ends (DESIGN §7). The epoch order comes from
 * the seed and the epoch number alone, and every step seeds the engine's generator (dropout masks) from the seed and
 * its position, so a run can resume at any (epoch, step).
 */
public final class Trainer implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Trainer.class);
    /** Isolated overflowing batches are skipped; this many in a row means the run has diverged. */
    private static final int MAX_SKIPPED_IN_A_ROW = 10;
    private final Network network;
    private final TrainingConfig config;
    private final Preprocessor preprocessor;
    private final Objective objective;
    private final Sgd optimizer;
    /** Present for Parseval networks only. */
    private final ParsevalRetraction retraction;

    public Trainer(Network network, TrainingConfig config, Preprocessor preprocessor) {
        this.network = network;
        this.config = config;
        this.preprocessor = preprocessor;
        this.objective = config.objective();
        this.optimizer = new Sgd(config.momentum(), config.weightDecay(), network.manager());
        this.retraction = config.method() == Method.PARSEVAL ? new ParsevalRetraction(config.parsevalBeta()) : null;
    }

    public Sgd optimizer() {
        return optimizer;
    }

    public TrainingConfig config() {
        return config;
    }

    /**
     * Progress of one step.
     *
     * @param firedThisEpoch how often the stabilisers fired in this epoch so far, this step included
     */
    public record StepReport(int epoch, int epochs, int step, int stepsPerEpoch, double loss, double accuracy,
            double meanRatio, double imagesPerSecond, double etaSeconds, Stabilisers firedThisEpoch) {}

    /** Called by {@link #run}; a listener that stops the run returns false from {@link #onStep}. */
    public interface Listener {
        /** After each step; return false to stop the run after this step. */
        default boolean onStep(StepReport report) {
            return true;
        }

        /**
         * After {@link #onStep} for every step but an epoch's last, e.g. to write a resume point: {@code next} is
         * where training continues, {@code soFar} what the epoch has seen until then, {@code stopping} whether
         * {@link #onStep} has just stopped the run.
         */
        default void midEpoch(Position next, Tally soFar, boolean stopping) {}

        /** After each completed epoch (0-based), e.g. to write a checkpoint; {@code fired}: the epoch's stabilisers. */
        default void onEpochEnd(int epoch, double meanLoss, double accuracy, Stabilisers fired) {}
    }

    /** Where a run stopped: the next (epoch, step) to run; epoch == epochs once the run is complete. */
    public record Position(int epoch, int step) {}

    /**
     * Running sums of the epoch in progress, from which its mean loss and accuracy are computed at its end; a run
     * resumed inside an epoch carries them over, so its epoch metrics match an uninterrupted run's.
     */
    public record Tally(double lossSum, long correct, long seen, Stabilisers fired) {
        public static final Tally ZERO = new Tally(0, 0, 0, Stabilisers.NONE);

        Tally add(double loss, int correct, int size, Stabilisers firedInStep) {
            return new Tally(lossSum + loss * size, this.correct + correct, seen + size, fired.plus(firedInStep));
        }
    }

    public int stepsPerEpoch(Dataset train) {
        return (train.size() + config.batchSize() - 1) / config.batchSize();
    }

    /** Trains from (startEpoch, startStep) to the end of the configured epochs, or until the listener stops it. */
    public Position run(Dataset train, Position start, Listener listener) {
        return run(train, start, Tally.ZERO, listener);
    }

    /** As {@link #run(Dataset, Position, Listener)}, inside an epoch whose earlier steps summed to {@code carried}. */
    public Position run(Dataset train, Position start, Tally carried, Listener listener) {
        int stepsPerEpoch = stepsPerEpoch(train);
        long totalSteps = (long) config.epochs() * stepsPerEpoch;
        long done = (long) start.epoch() * stepsPerEpoch + start.step();
        long begun = System.nanoTime();
        long stepsThisRun = 0;
        long imagesThisRun = 0;
        int skippedInARow = 0;
        for (int epoch = start.epoch(); epoch < config.epochs(); epoch++) {
            int[] order = EpochOrder.permutation(train.size(), config.seed(), epoch);
            Tally tally = epoch == start.epoch() ? carried : Tally.ZERO;
            for (int step = epoch == start.epoch() ? start.step() : 0; step < stepsPerEpoch; step++) {
                int from = step * config.batchSize();
                int to = Math.min(train.size(), from + config.batchSize());
                int[] batch = java.util.Arrays.copyOfRange(order, from, to);
                StepResult result = step(train, batch, config.learningRate(epoch), done);
                skippedInARow = result.update.applied() ? 0 : skippedInARow + 1;
                if (skippedInARow > 0) {
                    LOG.warn("epoch {} step {}: non-finite loss or gradient (loss {}), update skipped",
                            epoch + 1, step + 1, result.loss);
                }
                if (skippedInARow >= MAX_SKIPPED_IN_A_ROW) {
                    throw new IllegalStateException(String.format(java.util.Locale.ROOT,
                            "training diverged: %d steps in a row had a non-finite loss or gradient (epoch %d step %d);"
                                    + " lower the learning rate", skippedInARow, epoch + 1, step + 1));
                }
                tally = tally.add(result.loss, result.correct, batch.length, result.fired);
                stepsThisRun++;
                imagesThisRun += batch.length;
                done++;
                double seconds = (System.nanoTime() - begun) / 1e9;
                double eta = seconds / stepsThisRun * (totalSteps - done);
                StepReport report = new StepReport(epoch, config.epochs(), step + 1, stepsPerEpoch, result.loss,
                        result.correct / (double) batch.length, result.meanRatio, imagesThisRun / seconds, eta, tally.fired());
                boolean goOn = listener.onStep(report);
                if (step + 1 == stepsPerEpoch) {
                    // The epoch is complete even if the run stops here: end it, so that its checkpoint is written.
                    listener.onEpochEnd(epoch, tally.lossSum() / Math.max(1, tally.seen()),
                            tally.correct() / (double) Math.max(1, tally.seen()), tally.fired());
                    if (!goOn) {
                        return new Position(epoch + 1, 0);
                    }
                } else {
                    listener.midEpoch(new Position(epoch, step + 1), tally, !goOn);
                    if (!goOn) {
                        return new Position(epoch, step + 1);
                    }
                }
            }
        }
        return new Position(config.epochs(), 0);
    }

    /** @param fired the stabilisers of the objective and of the update */
    private record StepResult(double loss, int correct, double meanRatio, Sgd.Update update, Stabilisers fired) {}

    /** @param index the step's position in the whole run: with the seed, it fixes the step's dropout masks */
    private StepResult step(Dataset train, int[] batch, double learningRate, long index) {
        Engine.getInstance().setRandomSeed(new SplittableRandom(config.seed() ^ index * 0x9E3779B97F4A7C15L)
                .nextInt());
        try (NDManager step = network.manager().getParentManager().newSubManager()) {
            Shape shape = new Shape(batch.length).addAll(network.inputShape());
            NDArray x = step.create(preprocessor.apply(train, batch), shape);
            int[] labels = new int[batch.length];
            for (int i = 0; i < batch.length; i++) {
                labels[i] = train.labels()[batch[i]];
            }
            Objective.Loss loss;
            float[] logits;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                ForwardPass first = network.forward(x, objective.mode());
                loss = objective.loss(network, x, first, labels);
                collector.backward(loss.value());
                logits = HostTransfers.floats(first.logits());
            }
            Sgd.Update update = optimizer.step(network.parameters(), network.frozenIn(objective.mode()), learningRate,
                    step);
            if (update.applied() && retraction != null) {
                retraction.apply(network.parameters(), step);
            }
            int correct = Logits.correct(logits, labels, network.numClasses());
            return new StepResult(HostTransfers.scalar(loss.value()), correct, loss.meanRatio(), update,
                    loss.fired().plus(Stabilisers.of(update)));
        }
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
