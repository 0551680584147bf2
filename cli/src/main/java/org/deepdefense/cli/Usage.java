package org.deepdefense.cli;

/** The text of ./deepdefense help. */
final class Usage {
    private Usage() {}

    static final String TEXT = """
            usage: ./deepdefense <command> [options] [--verbose]

            log lines (DJL, Kafka clients, libtorch warnings) go to .deepdefense/cli.log; --verbose shows them

              quickstart [--arch mlp] [--dataset fashion-mnist] [--vanilla-epochs 5] [--epochs 1]
                        [--test-subset 2000] [--store checkpoints]
                        vanilla training, Deep Defense fine-tuning, and a side-by-side robustness table
              compare   [--arch mlp] [--dataset fashion-mnist] [--methods deepdefense,vanilla,parseval,fgs-adv,deepfool-adv]
                        [--vanilla-epochs 10] [--epochs 5] [--validation 5000] [--fine-tune-subset N]
                        [--eval-on test|validation]
                        [--eval-subset N] [--cw] [--apgd-iterations 100] [--square-queries 5000] [--seed 1] [--tag T] [--results DIR]
                        [--lr L] [--lr-schedule last-epoch|official-0.8|constant] [--lambda 15] [--c 25] [--d 5]
                        [--parseval-beta 3e-4] [--adv-epsilon 8] [--adv-ratio 0.5]
                        the paper's comparison: one vanilla model, every method fine-tuning it, one row per method
                        (docs/results/<dataset>-<arch>/: table.md, curves.svg, a JSON file per row); resumable
              sweep     --request FILE [--validation 5000] [--eval-on validation|test] [--eval-subset N]
                        [--apgd-iterations 100] [--square-queries 5000] [--results DIR] [--store checkpoints] [--data-dir DIR] [--threads N]
                        a SweepRequest (JSON, docs/MESSAGES.md) run here point by point, resumable: every point
                        fine-tunes the base on the training set minus the validation split and is evaluated on
                        that split (the standard suite); one JSON per point and frontier.svg in
                        docs/results/sweeps/<sweep-id>-<eval-on>/
              sweep     --plot (--results DIR | --request FILE)
                        frontier.svg from the points already there: clean accuracy against rho2 and against robust
                        accuracy at the smallest L-inf budget, one line per method
              sweep     --choose --request FILE [--results DIR] [--within 0.5] [--seeds 1,2,3] [--out FILE]
                        [--attacks standard]
                        per method, among the configurations within 0.5 point of the vanilla control's clean
                        accuracy, the one with the highest rho2 (seeds averaged; none close: the most accurate);
                        --out writes the follow-up sweep of the choices and the control, for --eval-on test, with
                        the validation sweep's attacks or those given
              sweep     --submit --request FILE [--bootstrap HOST:PORT] [--run-dir DIR]
                        the sweep on deepdefense.sweep.requests: the trainers expand it into training requests
              train     --run-id ID [--method vanilla|deepdefense|parseval|fgs-adv|deepfool-adv]
                        [--arch mlp|mlp-bn|lenet|convnet|nin|resnet18-cifar|resnet18|alexnet]
                        [--dataset fashion-mnist|mnist|cifar10|generated|imagefolder] [--data-dir DIR] [--from CHECKPOINT]
                        [--epochs 5] [--batch-size 100] [--lr L] [--momentum 0.9] [--weight-decay 5e-4]
                        [--lambda 15] [--c 25] [--d 5] [--deepfool-iterations 5] [--overshoot 0.02]
                        [--parseval-beta 3e-4] [--adv-epsilon 8] [--adv-ratio 0.5]
                        [--lr-schedule last-epoch|official-0.8|constant] [--seed 1] [--train-subset N] [--store checkpoints] [--threads N]
                        trains, writes a checkpoint per epoch and a final one (<run-id>/final), resumes a stopped run;
                        imagefolder: --data-dir DIR holds train/<class>/*.jpg|png and val/<class>/*.jpg|png, resized
                        and centre-cropped to the architecture's input size
              evaluate  --checkpoint KEY [--store checkpoints] [--data-dir DIR] [--test-subset N]
                        [--suite paper|standard|full] [--attacks a,b,...] [--linf-eps 25.5,51] [--l2-eps 382.5,765]
                        [--deepfool-iterations 50] [--short-cap 5] [--eps-ref E] [--pgd-steps 20] [--pgd-step F]
                        [--apgd-iterations 100] [--apgd-targets 9] [--square-queries 5000] [--seed 1] [--json FILE]
                        clean accuracy, rho2 (DeepFool), the paper's FGS at 0.2/0.5/1.0 eps_ref (and the stable FGS),
                        robust accuracy at each budget (worst case per sample over the suite), each attack's share
                        and time, and masking warnings; budgets in grey levels (0-255 minus the training mean)
              export    --checkpoint KEY --format npz|safetensors|onnx|card --out FILE [--store checkpoints]
                        [--report REPORT.json | --test-subset N] [--data-dir DIR] [--threads N]
                        npz, safetensors: weights under PyTorch state_dict names and layouts, plus input_mean;
                        onnx: opset 13, takes raw 0-255 pixels (the mean subtraction is its first node), metadata
                        names dataset, method, checkpoint sha256; card: FILE.md and FILE.json with dataset, threat
                        model, clean and robust accuracy, attack suite, rho2, training, preprocessing, weights sha256,
                        from an `evaluate --json` report or the standard suite on the first N test images
              import    --arch ARCH --format safetensors|npz --in FILE --run-id ID [--dataset fashion-mnist]
                        [--data-dir DIR] [--classes N] [--store checkpoints]
                        a PyTorch state_dict (the names and layouts export writes, float32) as checkpoint ID/final,
                        ready for train --from ID/final; input_mean from the file, else the training split's mean;
                        N outputs (default: the dataset's classes, an image folder's class folders)
              bench     --arch mlp|lenet|convnet|nin|resnet18-cifar|resnet18|alexnet [--threads N] [--steps S]
                        [--batch-size 100] [--warmup 10]
                        throughput of vanilla and Deep Defense steps on generated data, as one JSON line
              bench     --from KEY [--store checkpoints] [--method deepdefense] [--steps 200] [--vanilla-steps 200]
                        the real task: fine-tuning KEY on its dataset with the method, next to vanilla steps
              bench     --from KEY --evaluate deepfool,apgd-ce [--test-subset 500]
                        each attack's time on the first test images
              bench     --whitening-fit N [--threads N] [--batch-size 100]
                        fitting CIFAR-10's contrast normalisation and ZCA whitening on N generated images, and one batch

            train, evaluate, quickstart, compare, sweep and bench also take --device cpu|gpu|auto (default auto: the GPU
            when DJL sees one; gpu without CUDA is an error) and --threads N.

            the platform (Kafka broker and the three services) on this machine; --run-dir defaults to
            .deepdefense/pipeline in the checkout:
              up        [--run-dir DIR]   starts it in the background, prints the broker address, URLs, topics, logs
              status    [--run-dir DIR]   its processes and the readiness of each service
              down      [--run-dir DIR]   stops it and waits until every process is gone
              demo      [--run-dir DIR] [--train-subset 20000] [--test-subset 2000] [--vanilla-epochs 3] [--epochs 1]
                        quickstart through the platform: up, a vanilla run, Deep Defense fine-tuning of it, both
                        reports side by side, down
              submit    --run-id ID [--bootstrap HOST:PORT] [--run-dir DIR] [--dataset fashion-mnist] [--dataset-root KEY]
                        [--arch mlp] [--method vanilla|deepdefense|parseval|fgs-adv|deepfool-adv] [--epochs 5] [--batch-size 100] [--lr 5e-4]
                        [--from KEY --from-sha256 HEX] [--train-subset N] [--test-subset N]
                        [--attacks deepfool,fgs] [--seed 1] [--parseval-beta B] [--adv-epsilon E] [--adv-ratio R]
                        [--lr-schedule last-epoch|official-0.8|constant]
                        a training request on deepdefense.training.requests; the broker defaults to the one
                        `up` started, else localhost:9092
            """;
}
