package org.deepdefense.trainer;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Not ready once the training thread has died: requests would be accepted but never run. */
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
