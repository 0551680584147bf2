package org.deepdefense.evaluator;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.deepdefense.messages.Check;
import org.deepdefense.messages.InvalidMessageException;

/** Read-only: where the evaluation of one checkpoint stands (open, reported or failed, and why). */
@Path("/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointsResource {
    /**
     * @param status   open, reported or failed
     * @param arrived  shard results in (open checkpoints)
     * @param shards   shards planned, 0 while no plan is known (open checkpoints)
     * @param reason   why it failed (failed checkpoints)
     */
    public record CheckpointStatus(String checkpointId, String status, Integer arrived, Integer shards,
            String reason) {}

    private final ShardState state;
    private final ReportAssembler assembler;

    CheckpointsResource(ShardState state, ReportAssembler assembler) {
        this.state = state;
        this.assembler = assembler;
    }

    @GET
    @Path("/{checkpointId}")
    public CheckpointStatus checkpoint(@PathParam("checkpointId") String checkpointId) {
        try {
            Check.id("checkpointId", checkpointId); // a path segment names a folder of the state directory
        } catch (InvalidMessageException e) {
            throw new NotFoundException(e.getMessage());
        }
        return switch (state.status(checkpointId)) {
            case UNKNOWN -> throw new NotFoundException("no record of checkpoint " + checkpointId);
            case REPORTED -> new CheckpointStatus(checkpointId, "reported", null, null, null);
            case FAILED -> new CheckpointStatus(checkpointId, "failed", null, null,
                    state.failure(checkpointId).orElseThrow().reason());
            case OPEN -> {
                int[] progress = assembler.progress(checkpointId).orElse(new int[] {0, 0});
                yield new CheckpointStatus(checkpointId, "open", progress[0], progress[1], null);
            }
        };
    }
}
