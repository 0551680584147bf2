// Structural schemas for the Strimzi kinds we use (kafka.strimzi.io/v1beta2), a subset of Strimzi's CRDs: the
// fields Strimzi requires, their types and enums, and no unknown keys at the levels we write, so that a typo
// fails here rather than in the cluster operator's log. Listener and broker config are free-form in Strimzi too.

const name = { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 };
const quantity = {
  anyOf: [{ type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$' }, { type: 'number' }],
};
const resources = {
  type: 'object',
  additionalProperties: false,
  properties: {
    requests: { type: 'object', additionalProperties: quantity },
    limits: { type: 'object', additionalProperties: quantity },
  },
};
const clusterLabel = {
  type: 'object',
  required: ['strimzi.io/cluster'],
  properties: { 'strimzi.io/cluster': name },
};
const metadata = (extra = {}) => ({
  type: 'object',
  required: ['name'],
  properties: { name, namespace: name, labels: { type: 'object' }, annotations: { type: 'object' }, ...extra },
});
const header = (kind) => ({
  apiVersion: { const: 'kafka.strimzi.io/v1beta2' },
  kind: { const: kind },
});

const volume = {
  type: 'object',
  required: ['type'],
  additionalProperties: false,
  properties: {
    id: { type: 'integer', minimum: 0 },
    type: { enum: ['ephemeral', 'persistent-claim'] },
    size: quantity,
    class: { type: 'string' },
    deleteClaim: { type: 'boolean' },
    kraftMetadata: { enum: ['shared'] },
  },
};

export const strimziSchemas = {
  Kafka: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      ...header('Kafka'),
      metadata: metadata({
        annotations: {
          type: 'object',
          required: ['strimzi.io/node-pools', 'strimzi.io/kraft'],
          properties: { 'strimzi.io/node-pools': { const: 'enabled' }, 'strimzi.io/kraft': { const: 'enabled' } },
        },
      }),
      spec: {
        type: 'object',
        required: ['kafka'],
        additionalProperties: false,
        properties: {
          kafka: {
            type: 'object',
            required: ['listeners'],
            additionalProperties: false,
            properties: {
              version: { type: 'string', pattern: '^[0-9]+\\.[0-9]+\\.[0-9]+$' },
              metadataVersion: { type: 'string' },
              listeners: {
                type: 'array',
                minItems: 1,
                items: {
                  type: 'object',
                  required: ['name', 'port', 'type', 'tls'],
                  additionalProperties: false,
                  properties: {
                    name: { type: 'string', pattern: '^[a-z0-9]{1,11}$' },
                    port: { type: 'integer', minimum: 9092 },
                    type: { enum: ['internal', 'route', 'loadbalancer', 'nodeport', 'ingress', 'cluster-ip'] },
                    tls: { type: 'boolean' },
                    authentication: { type: 'object' },
                    configuration: { type: 'object' },
                  },
                },
              },
              config: { type: 'object' },
              resources,
              template: { type: 'object' },
            },
          },
          entityOperator: {
            type: 'object',
            additionalProperties: false,
            properties: { topicOperator: { type: 'object' }, userOperator: { type: 'object' } },
          },
          cruiseControl: { type: 'object' },
          kafkaExporter: { type: 'object' },
        },
      },
    },
  },
  KafkaNodePool: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      ...header('KafkaNodePool'),
      metadata: metadata({ labels: clusterLabel }),
      spec: {
        type: 'object',
        required: ['replicas', 'roles', 'storage'],
        additionalProperties: false,
        properties: {
          replicas: { type: 'integer', minimum: 0 },
          roles: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['controller', 'broker'] } },
          storage: {
            type: 'object',
            required: ['type'],
            additionalProperties: false,
            properties: {
              type: { enum: ['ephemeral', 'persistent-claim', 'jbod'] },
              size: quantity,
              deleteClaim: { type: 'boolean' },
              volumes: { type: 'array', minItems: 1, items: volume },
            },
          },
          resources,
          jvmOptions: { type: 'object' },
          template: { type: 'object' },
        },
      },
    },
  },
  KafkaTopic: {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      ...header('KafkaTopic'),
      // The topic's name is metadata.name unless spec.topicName says otherwise.
      metadata: metadata({ name: { ...name, maxLength: 249 }, labels: clusterLabel }),
      spec: {
        type: 'object',
        required: ['partitions', 'replicas'],
        additionalProperties: false,
        properties: {
          topicName: { type: 'string', pattern: '^[a-zA-Z0-9._-]{1,249}$' },
          partitions: { type: 'integer', minimum: 1 },
          replicas: { type: 'integer', minimum: 1, maximum: 32767 },
          config: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
        },
      },
    },
  },
};
