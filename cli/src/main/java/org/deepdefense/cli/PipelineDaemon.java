package org.deepdefense.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deepdefense.messages.Topics;
import org.deepdefense.pipeline.LocalPipeline;
import org.deepdefense.pipeline.LocalPipeline.Service;

/**
 * The background process of {@code ./deepdefense up}: starts a {@link LocalPipeline}, records it in
 * {@code <runDir>/pipeline.json} and runs until signalled; LocalPipeline's shutdown hook then stops the broker and
 * the services.
 */
public final class PipelineDaemon {
    private PipelineDaemon() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: PipelineDaemon <run-dir> <project-root>");
            System.exit(2);
        }
        Path runDir = Path.of(args[0]).toAbsolutePath();
        LocalPipeline pipeline = LocalPipeline.start(runDir, Path.of(args[1]));
        Map<String, PipelineState.ServiceState> services = new LinkedHashMap<>();
        var handles = pipeline.processes(); // the broker first, then the services in Service order
        for (Service service : Service.values()) {
            services.put(service.module(), new PipelineState.ServiceState(pipeline.url(service).toString(),
                    handles.get(1 + service.ordinal()).pid(), pipeline.log(service).toString()));
        }
        new PipelineState(ProcessHandle.current().pid(), pipeline.bootstrapServers(), handles.get(0).pid(),
                runDir.resolve("kafka/broker.log").toString(), services, Topics.all(),
                pipeline.storeRoot().toString(), runDir.resolve(PipelineCommands.DAEMON_LOG).toString())
                .write(runDir);
        System.out.println("pipeline ready");
        Thread.currentThread().join(); // until SIGTERM/SIGINT runs the shutdown hook
    }
}
