// The validators find what they are for: each case breaks one thing in an otherwise valid object.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import {
  dockerfileErrors, imageErrors, referenceErrors, render, ruleErrors, schemaErrors,
} from './validate.mjs';

const rendered = render(path.join(import.meta.dirname, '..', '..', '..', 'k8s', 'overlays', 'cpu'));
const find = (kind, name) => structuredClone(rendered.find((o) => o.kind === kind && o.metadata.name === name));

test('the rendered objects pass, so each failure below comes from the one change', async () => {
  assert.deepEqual((await Promise.all(rendered.map(schemaErrors))).flat(), []);
  assert.deepEqual(referenceErrors(rendered, ['deepdefense.reports']), []);
});

test('a Deployment with a port number as a string fails its schema', async () => {
  const d = find('Deployment', 'attack-service');
  d.spec.template.spec.containers[0].ports[0].containerPort = '8080';
  assert.match((await schemaErrors(d)).join(), /containerPort must be integer/);
});

test('a ServiceMonitor naming its port by number fails its schema', async () => {
  const m = find('ServiceMonitor', 'evaluator-service');
  m.spec.endpoints[0].port = 8080;
  assert.match((await schemaErrors(m)).join(), /port must be string/);
});

test('a KafkaTopic with partitions as a string or an unknown field fails its structural check', async () => {
  const t = find('KafkaTopic', 'deepdefense.reports');
  t.spec.partitions = '3';
  assert.match((await schemaErrors(t)).join(), /partitions must be integer/);
  const u = find('KafkaTopic', 'deepdefense.reports');
  u.spec.partition = 3;
  assert.match((await schemaErrors(u)).join(), /additional properties/);
});

test('an unknown kind is an error, not a pass', async () => {
  assert.match((await schemaErrors({ apiVersion: 'kafka.strimzi.io/v1beta2', kind: 'KafkaUser',
    metadata: { name: 'x' } })).join(), /no schema/);
});

test('references: a missing topic, a wrong probe path and a Service that selects nothing', () => {
  assert.match(referenceErrors(rendered, ['deepdefense.nowhere']).join(),
    /no KafkaTopic for topic deepdefense.nowhere/);
  const objects = structuredClone(rendered);
  objects.find((o) => o.metadata.name === 'evaluator-service' && o.kind === 'Deployment')
    .spec.template.spec.containers[0].livenessProbe.httpGet.path = '/health';
  objects.find((o) => o.metadata.name === 'attack-service' && o.kind === 'Service')
    .spec.selector = { 'app.kubernetes.io/name': 'attack' };
  const errors = referenceErrors(objects, []).join('\n');
  assert.match(errors, /evaluator-service: livenessProbe must GET \/q\/health\/live/);
  assert.match(errors, /Service\/attack-service: selects no pods/);
});

test('promtool rejects a rule with a broken expression', () => {
  const rule = find('PrometheusRule', 'deepdefense');
  rule.metadata.name = 'broken-test';
  rule.spec.groups[0].rules[0].expr = 'sum by (pod (deepdefense_training_running)';
  assert.notDeepEqual(ruleErrors([rule]), []);
});

test('dockerfile-utils rejects a Dockerfile with an instruction without arguments', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dockerfile-'));
  fs.writeFileSync(path.join(dir, 'bad.Dockerfile'), 'FROM alpine:3.20\nWORKDIR\n');
  assert.match(dockerfileErrors(dir).join(), /Instruction has no arguments/);
  fs.rmSync(dir, { recursive: true });
});

test('an image running as root, or a GPU image without the CUDA flavour, is refused', () => {
  const docker = path.join(import.meta.dirname, '..', '..', '..', 'docker');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'images-'));
  for (const f of fs.readdirSync(docker)) fs.copyFileSync(path.join(docker, f), path.join(dir, f));
  assert.deepEqual(imageErrors(dir), []);
  const edit = (name, from, to) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(from, to));
  };
  edit('attack-service.Dockerfile', /^USER 185$/m, 'USER root');
  edit('trainer-service-gpu.Dockerfile', 'PYTORCH_FLAVOR=cu128', 'PYTORCH_FLAVOR=cpu');
  fs.rmSync(path.join(dir, 'evaluator-service.Dockerfile'));
  assert.deepEqual(imageErrors(dir), [
    'docker/attack-service.Dockerfile: needs a non-root USER',
    'docker/evaluator-service.Dockerfile is missing',
    'docker/trainer-service-gpu.Dockerfile: needs PYTORCH_FLAVOR=cu128',
  ]);
  fs.rmSync(dir, { recursive: true });
});
