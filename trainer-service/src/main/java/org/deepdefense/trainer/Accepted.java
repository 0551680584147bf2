package org.deepdefense.trainer;

import org.deepdefense.messages.TrainingRequest;

/**
 * A training request the service took responsibility for, with where it came from so that a problem found
 * later (a base checkpoint that fails its checksum) can still be dead-lettered against the original record.
 */
record Accepted(TrainingRequest request, String topic, int partition, long offset, String key, byte[] payload) {

    String runId() {
        return request.runId();
    }
}
