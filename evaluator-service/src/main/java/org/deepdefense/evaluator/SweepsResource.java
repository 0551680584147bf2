package org.deepdefense.evaluator;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Read-only view of the sweeps and the reports of their points. */
@Path("/sweeps")
@Produces(MediaType.APPLICATION_JSON)
public class SweepsResource {
    private final Sweeps sweeps;

    SweepsResource(Sweeps sweeps) {
        this.sweeps = sweeps;
    }

    /** The ids of the sweeps, in the order they were accepted. */
    @GET
    public List<String> sweeps() {
        return sweeps.ids();
    }

    /** Every point of the sweep: run id, method, strength parameters, seed, epochs and its latest report or null. */
    @GET
    @Path("/{sweepId}")
    public Sweeps.View sweep(@PathParam("sweepId") String sweepId) {
        return sweeps.view(sweepId).orElseThrow(() -> new NotFoundException("no sweep " + sweepId));
    }
}
