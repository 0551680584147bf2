package org.deepdefense.cli;

import java.io.IOException;
import java.nio.file.Path;
import org.deepdefense.checkpoint.Checkpoint;
import org.deepdefense.checkpoint.CheckpointStore;
import org.deepdefense.checkpoint.Npz;
import org.deepdefense.train.ModelCheckpoints;

/** ./deepdefense export: a checkpoint's weights as a NumPy .npz with PyTorch state_dict names and layouts. */
final class ExportCommand {
    private ExportCommand() {}

    static void run(Args args) throws IOException {
        String key = args.required("checkpoint");
        CheckpointStore store = new CheckpointStore(args.path("store", "checkpoints"));
        String format = args.string("format", "npz");
        Path out = args.path("out", null);
        args.requireAllUsed();
        if (!format.equals("npz")) {
            throw new Args.UsageException("unsupported --format '" + format + "'; supported: npz");
        }
        if (out == null) {
            throw new Args.UsageException("missing --out FILE.npz");
        }
        Checkpoint checkpoint = store.load(key, null);
        Npz.write(out, ModelCheckpoints.exportTensors(checkpoint));
        System.out.println(out);
    }
}
