package org.deepdefense.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;

/**
 * Neither ready nor live once the training thread has died: requests would be acknowledged but never run, so the
 * pod must restart (liveness), not only leave the service (readiness).
 */
@Liveness
@Readiness
@ApplicationScoped
class WorkerHealthCheck implements HealthCheck {

    @Inject
    TrainingWorker worker;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("training-worker").status(worker.alive()).build();
    }
}
