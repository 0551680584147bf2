package org.deepdefense.cli;

import java.util.Set;

/** Entry point of {@code ./deepdefense}. */
public final class DeepDefenseCli {
    private static final Set<String> FLAGS = Set.of("help", "no-lr-halving");

    private DeepDefenseCli() {}

    public static void main(String[] argv) {
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
            System.out.print(Usage.TEXT);
            return;
        }
        try {
            Args args = new Args(argv, 1, FLAGS);
            switch (argv[0]) {
                case "quickstart" -> QuickstartCommand.run(args);
                case "compare" -> CompareCommand.run(args, "./deepdefense " + String.join(" ", argv));
                case "train" -> TrainCommand.run(args);
                case "evaluate" -> EvaluateCommand.run(args);
                case "export" -> ExportCommand.run(args);
                case "bench" -> Bench.run(args);
                case "submit" -> SubmitCommand.run(args);
                case "up" -> PipelineCommands.up(args);
                case "down" -> PipelineCommands.down(args);
                case "status" -> PipelineCommands.status(args);
                case "demo" -> DemoCommand.run(args);
                default -> throw new Args.UsageException("unknown command '" + argv[0] + "'");
            }
        } catch (Args.UsageException e) {
            System.err.println("deepdefense: " + e.getMessage() + " (see ./deepdefense help)");
            System.exit(2);
        } catch (Exception e) {
            System.err.println("deepdefense " + argv[0] + ": " + e.getMessage());
            if (System.getenv("DEEPDEFENSE_DEBUG") != null) {
                e.printStackTrace();
            }
            System.exit(1);
        }
    }
}
