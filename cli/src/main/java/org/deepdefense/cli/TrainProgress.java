package org.deepdefense.cli;

import java.util.Locale;
import org.deepdefense.checkpoint.CheckpointMetadata;
import org.deepdefense.train.Stabilisers;
import org.deepdefense.train.Trainer;
import org.deepdefense.train.TrainingJob;

/** Prints a training run's progress with an ETA, and its checkpoints, to stderr. */
final class TrainProgress implements TrainingJob.Events {
    private final TrainingJob.Spec spec;
    private final ProgressPrinter printer = new ProgressPrinter();

    TrainProgress(TrainingJob.Spec spec) {
        this.spec = spec;
    }

    @Override
    public void started(String device, int stepsPerEpoch, Trainer.Position from) {
        System.err.printf(Locale.ROOT, "run %s: %s %s on %s, device %s, %d steps/epoch, from epoch %d step %d%n",
                spec.runId(), spec.config().method().id(), spec.architecture().id(), spec.dataset().id(), device,
                stepsPerEpoch, from.epoch() + 1, from.step());
    }

    @Override
    public boolean step(Trainer.StepReport r) {
        printer.print(String.format(Locale.ROOT, "  epoch %d/%d step %d/%d  loss %.4f  acc %.3f%s  %.0f img/s  ETA %s%s",
                r.epoch() + 1, r.epochs(), r.step(), r.stepsPerEpoch(), r.loss(), r.accuracy(),
                Double.isNaN(r.meanRatio()) ? "" : String.format(Locale.ROOT, "  r %.4f", r.meanRatio()),
                r.imagesPerSecond(), ProgressPrinter.duration(r.etaSeconds()), stabilisers(r.firedThisEpoch())),
                r.step() == r.stepsPerEpoch());
        return true;
    }

    /** Shown once any fired, so that a run that needed none of them says nothing extra. */
    static String stabilisers(Stabilisers fired) {
        return fired.equals(Stabilisers.NONE) ? "" : "  [this epoch: " + fired.describe() + "]";
    }

    @Override
    public void checkpointSaved(String key, CheckpointMetadata metadata) {
        System.err.printf(Locale.ROOT, "  saved checkpoint %s (sha256 %s) %s%n", key, metadata.sha256(),
                metadata.metrics());
    }
}
