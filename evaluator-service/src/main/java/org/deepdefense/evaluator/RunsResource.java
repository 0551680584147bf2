package org.deepdefense.evaluator;

import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
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

    /**
     * The run's reports; with {@code epsRefFrom}, the paper's FGS columns re-read at the ε_ref of that run's latest
     * report, as the paper compares every model at the Deep Defense model's ε_ref.
     */
    @GET
    @Path("/{runId}")
    public List<RobustnessReportMessage> run(@PathParam("runId") String runId,
            @QueryParam("epsRefFrom") String epsRefFrom) {
        List<RobustnessReportMessage> found = reports.run(runId)
                .orElseThrow(() -> new NotFoundException("no reports for run " + runId));
        if (epsRefFrom == null) {
            return found;
        }
        RobustnessReportMessage reference = reports.latest().get(epsRefFrom);
        if (reference == null || reference.epsRef() == null) {
            throw new NotFoundException("run " + epsRefFrom + " has no report with an eps_ref");
        }
        if (found.stream().anyMatch(report -> report.report().paperFgs() == null)) {
            throw new BadRequestException("a report of run " + runId + " did not run paper-fgs: its FGS columns"
                    + " cannot be re-read at another eps_ref");
        }
        String source = "run " + epsRefFrom + " (checkpoint " + reference.checkpointId() + ")";
        return found.stream().map(report -> report.withEpsRef(reference.epsRef(), source)).toList();
    }
}
