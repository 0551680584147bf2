package org.deepdefense.messages;

/** A top-level Kafka record. Every one carries the schema version it was written with. */
public sealed interface Message
        permits TrainingRequest, TrainingProgress, CheckpointPublished, AttackResult,
                RobustnessReportMessage, DeadLetter, AttackShard, ShardResult, ShardPlan, SweepRequest {

    int schemaVersion();
}
