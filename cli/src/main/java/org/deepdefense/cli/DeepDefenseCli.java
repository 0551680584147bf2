package org.deepdefense.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;

/** Entry point of {@code ./deepdefense}. */
public final class DeepDefenseCli {
    /** The options that take no value. */
    static final Set<String> FLAGS = Set.of("help", "submit", "plot", "choose");
    /** Any command takes it: log lines (DJL's INFO, Kafka's warnings, ours) on the console instead of the log. */
    private static final String VERBOSE = "--verbose";

    private DeepDefenseCli() {}

    public static void main(String[] command) {
        boolean verbose = Arrays.asList(command).contains(VERBOSE);
        String[] argv = Arrays.stream(command).filter(a -> !a.equals(VERBOSE)).toArray(String[]::new);
        Path log = verbose ? null : logToFile();
        if (argv.length == 0 || argv[0].equals("help") || argv[0].equals("--help")) {
            System.out.print(Usage.TEXT);
            return;
        }
        try {
            Args args = new Args(argv, 1, FLAGS);
            switch (argv[0]) {
                case "quickstart" -> QuickstartCommand.run(args);
                case "compare" -> CompareCommand.run(args, "./deepdefense " + String.join(" ", argv));
                case "sweep" -> SweepCommand.run(args, "./deepdefense " + String.join(" ", argv));
                case "train" -> TrainCommand.run(args);
                case "evaluate" -> EvaluateCommand.run(args);
                case "export" -> ExportCommand.run(args);
                case "import" -> ImportCommand.run(args);
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
            System.err.println("deepdefense " + argv[0] + ": " + e.getMessage()
                    + (log == null ? "" : " (log: " + log + ")"));
            if (System.getenv("DEEPDEFENSE_DEBUG") != null) {
                e.printStackTrace();
            }
            System.exit(1);
        }
    }

    /**
     * Sends every log line (slf4j-simple) to {@code -Ddeepdefense.log}, default {@code .deepdefense/cli.log} in the
     * checkout, rewritten by each command: the console keeps our progress and results. Must run before the first
     * logger exists, as slf4j-simple reads its configuration once. Returns the file, or null when it cannot be
     * created (then logs stay on stderr).
     */
    private static Path logToFile() {
        String root = System.getProperty("deepdefense.project.root", ".");
        Path log = Path.of(System.getProperty("deepdefense.log", root + "/.deepdefense/cli.log"));
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
        } catch (IOException e) {
            System.err.println("deepdefense: cannot create the log directory for " + log + " (" + e.getMessage()
                    + "); logging to stderr");
            return null;
        }
        System.setProperty("org.slf4j.simpleLogger.logFile", log.toString());
        System.setProperty("org.slf4j.simpleLogger.showDateTime", "true");
        System.setProperty("org.slf4j.simpleLogger.dateTimeFormat", "yyyy-MM-dd'T'HH:mm:ss.SSS");
        return log;
    }
}
