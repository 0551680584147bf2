package org.deepdefense.evaluator;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.deepdefense.messages.RobustnessReportMessage;

/** Read-only view of the reports this process has published. */
@Path("/runs")
@Produces(MediaType.APPLICATION_JSON)
public class RunsResource {
    /** A run and its most recent report. */
    public record RunSummary(String runId, RobustnessReportMessage latest) {}

    private final Reports reports;

    RunsResource(Reports reports) {
        this.reports = reports;
    }

    @GET
    public List<RunSummary> runs() {
        return reports.latest().entrySet().stream().map(e -> new RunSummary(e.getKey(), e.getValue())).toList();
    }

    @GET
    @Path("/{runId}")
    public List<RobustnessReportMessage> run(@PathParam("runId") String runId) {
        return reports.run(runId).orElseThrow(() -> new NotFoundException("no reports for run " + runId));
    }
}
