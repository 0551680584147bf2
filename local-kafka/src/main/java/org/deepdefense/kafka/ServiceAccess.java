package org.deepdefense.kafka;

import static org.deepdefense.messages.Topics.ATTACK_RESULTS;
import static org.deepdefense.messages.Topics.ATTACK_SHARDS;
import static org.deepdefense.messages.Topics.CHECKPOINTS;
import static org.deepdefense.messages.Topics.REPORTS;
import static org.deepdefense.messages.Topics.SHARD_RESULTS;
import static org.deepdefense.messages.Topics.SWEEP_REQUESTS;
import static org.deepdefense.messages.Topics.TRAINING_PROGRESS;
import static org.deepdefense.messages.Topics.TRAINING_REQUESTS;
import static org.deepdefense.messages.Topics.deadLetter;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The SASL users of a secured {@link LocalKafkaBroker} other than its super user, and what the broker lets each do
 * (the table in docs/RELIABILITY.md#acls): write the topics it produces, read the topics it consumes, in its
 * consumer groups. A service writes the dead-letter topic of each topic it consumes. The groups are the services'
 * {@code group.id}s from their application.properties. Anything not granted here is refused.
 */
public enum ServiceAccess {
    TRAINER("trainer",
            List.of(TRAINING_PROGRESS, CHECKPOINTS, TRAINING_REQUESTS, // expanded sweep points
                    deadLetter(TRAINING_REQUESTS), deadLetter(SWEEP_REQUESTS)),
            List.of(TRAINING_REQUESTS, SWEEP_REQUESTS),
            List.of("deepdefense-trainer")),
    ATTACK("attack",
            List.of(ATTACK_SHARDS, SHARD_RESULTS, deadLetter(CHECKPOINTS), deadLetter(ATTACK_SHARDS)),
            List.of(CHECKPOINTS, ATTACK_SHARDS),
            List.of("attack-service", "attack-service-shards")),
    EVALUATOR("evaluator",
            List.of(ATTACK_RESULTS, REPORTS,
                    deadLetter(CHECKPOINTS), deadLetter(SHARD_RESULTS), deadLetter(SWEEP_REQUESTS)),
            List.of(CHECKPOINTS, SHARD_RESULTS, SWEEP_REQUESTS),
            List.of("evaluator-service")),
    /** Users and the CLI: submit runs and sweeps, follow them (by assignment, without a consumer group). */
    CLIENT("client",
            List.of(TRAINING_REQUESTS, SWEEP_REQUESTS),
            List.of(TRAINING_PROGRESS, CHECKPOINTS, ATTACK_RESULTS, REPORTS),
            List.of());

    private final String user;
    private final List<String> writes;
    private final List<String> reads;
    private final List<String> groups;

    ServiceAccess(String user, List<String> writes, List<String> reads, List<String> groups) {
        this.user = user;
        this.writes = writes;
        this.reads = reads;
        this.groups = groups;
    }

    /** The SASL user name; the broker's principal is {@code User:<name>}. */
    public String user() {
        return user;
    }

    /** The topics this user may write (and describe). */
    public List<String> writes() {
        return writes;
    }

    /** The topics this user may read (and describe). */
    public List<String> reads() {
        return reads;
    }

    /** The consumer groups this user may join and commit offsets in. */
    public List<String> groups() {
        return groups;
    }

    /** The ACLs that grant exactly this, each for a literal resource name from any host. */
    List<AclBinding> acls() {
        List<AclBinding> acls = new ArrayList<>();
        writes.forEach(topic -> acls.add(allow(ResourceType.TOPIC, topic, AclOperation.WRITE)));
        reads.forEach(topic -> acls.add(allow(ResourceType.TOPIC, topic, AclOperation.READ)));
        groups.forEach(group -> acls.add(allow(ResourceType.GROUP, group, AclOperation.READ)));
        return acls;
    }

    private AclBinding allow(ResourceType type, String name, AclOperation operation) {
        return new AclBinding(new ResourcePattern(type, name, PatternType.LITERAL),
                new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
