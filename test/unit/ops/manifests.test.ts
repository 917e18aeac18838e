import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, parse as parseYaml } from 'yaml';
import {
  ALERT_RULES_PATH,
  AlertRulesFormatError,
  PROMETHEUS_RULE_PATH,
  renderPrometheusRule,
} from '../../../scripts/gen-prometheusrule.js';
import { loadConfig } from '../../../src/config/load.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S_DIR = `${ROOT}deploy/k8s/`;
const EXPORTER_PORT = 9354;
const packageVersion = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

// A loose view of the fields these tests read; the YAML is checked against it value by value.
// biome-ignore lint/suspicious/noExplicitAny: Kubernetes objects are arbitrary nested YAML here.
type Manifest = Record<string, any>;

const manifestFiles = readdirSync(K8S_DIR).filter((name) => name.endsWith('.yaml'));

function readManifests(file: string): Manifest[] {
  const documents = parseAllDocuments(readFileSync(`${K8S_DIR}${file}`, 'utf8'));
  const list = Array.isArray(documents) ? documents : [documents];
  for (const document of list) expect(document.errors, file).toEqual([]);
  return list.map((document) => document.toJS() as Manifest);
}

const byFile = new Map(manifestFiles.map((file) => [file, readManifests(file)]));
function only(file: string, kind: string): Manifest {
  const documents = byFile.get(file) ?? [];
  expect(documents.map((document) => document.kind)).toEqual([kind]);
  return documents[0] as Manifest;
}

const configMap = only('configmap.yaml', 'ConfigMap');
const secret = only('secret.example.yaml', 'Secret');
const deployment = only('deployment.yaml', 'Deployment');
const service = only('service.yaml', 'Service');
const serviceMonitor = only('servicemonitor.yaml', 'ServiceMonitor');
const probe = only('probe.yaml', 'Probe');
const prometheusRule = only('prometheusrule.yaml', 'PrometheusRule');
const kustomization = only('kustomization.yaml', 'Kustomization');
const podSpec = deployment.spec.template.spec as Manifest;
const container = podSpec.containers[0] as Manifest;
const mountOf = (volumeName: string) =>
  (container.volumeMounts as Manifest[]).find((mount) => mount.name === volumeName) as Manifest;
const volumeOf = (volumeName: string) => (podSpec.volumes as Manifest[]).find((volume) => volume.name === volumeName);

describe('deploy/k8s manifests', () => {
  it('are all known kinds with the app.kubernetes.io labels', () => {
    expect(manifestFiles.sort()).toEqual([
      'configmap.yaml',
      'deployment.yaml',
      'kustomization.yaml',
      'probe.yaml',
      'prometheusrule.yaml',
      'secret.example.yaml',
      'service.yaml',
      'servicemonitor.yaml',
    ]);
    for (const manifest of [configMap, secret, deployment, service, serviceMonitor, probe, prometheusRule]) {
      expect(manifest.metadata.labels['app.kubernetes.io/name'], manifest.kind).toBe('deluge-exporter');
      expect(manifest.metadata.labels['app.kubernetes.io/part-of'], manifest.kind).toBe('deluge-exporter');
      expect(manifest.metadata.namespace, `${manifest.kind} is namespace-agnostic`).toBeUndefined();
    }
  });

  it('kustomization applies everything but the example Secret and the optional Probe', () => {
    expect([...kustomization.resources].sort()).toEqual([
      'configmap.yaml',
      'deployment.yaml',
      'prometheusrule.yaml',
      'service.yaml',
      'servicemonitor.yaml',
    ]);
    expect(kustomization.images).toEqual([{ name: 'deluge-exporter', newTag: packageVersion }]);
  });

  it('runs the container hardened like kube-prometheus exporters, with small requests and limits', () => {
    expect(podSpec.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(container.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container.securityContext.runAsUser).toBeGreaterThan(0);
    expect(Object.keys(container.resources.requests).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(container.image).toBe(`deluge-exporter:${packageVersion}`);
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(packageVersion);
  });

  it('serves port 9354 named metrics, probed on /healthz and /readyz', () => {
    expect(container.ports).toEqual([{ name: 'metrics', containerPort: EXPORTER_PORT, protocol: 'TCP' }]);
    expect(container.args).toContain(`:${EXPORTER_PORT}`);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'metrics' });
    expect(service.spec.ports).toEqual([
      { name: 'metrics', port: EXPORTER_PORT, targetPort: 'metrics', protocol: 'TCP' },
    ]);
  });

  it('wires selectors: Deployment selects its pods, the Service selects them, the ServiceMonitor the Service', () => {
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(podLabels).toMatchObject(service.spec.selector);
    expect(service.metadata.labels).toMatchObject(serviceMonitor.spec.selector.matchLabels);
    expect(serviceMonitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    // The Service name becomes the job label that DelugeExporterDown selects.
    expect(service.metadata.name).toBe('deluge-exporter');
  });

  it('mounts the ConfigMap read-only as the --config file and the Secret read-only', () => {
    const configPath = container.args[container.args.indexOf('--config') + 1] as string;
    expect(mountOf('config')).toMatchObject({ mountPath: configPath, subPath: 'config.yaml', readOnly: true });
    expect(volumeOf('config')?.configMap.name).toBe(configMap.metadata.name);
    expect(mountOf('credentials').readOnly).toBe(true);
    expect(volumeOf('credentials')?.secret.secretName).toBe(secret.metadata.name);
  });

  it('ships a ConfigMap config that the exporter loads, reading the password from the mounted Secret', () => {
    const configPath = container.args[container.args.indexOf('--config') + 1] as string;
    const secretDir = mountOf('credentials').mountPath as string;
    const files = new Map<string, string>([[configPath, configMap.data['config.yaml'] as string]]);
    for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
      files.set(`${secretDir}/${key}`, `${value}\n`);
    }
    const config = loadConfig({
      argvConfigPath: configPath,
      env: {},
      readFile: (path) => {
        const text = files.get(path);
        if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return text;
      },
      homedir: '/nonexistent',
      platform: 'linux',
    });
    expect(config.daemons.map((daemon) => daemon.name)).toEqual(['seedbox']);
    expect(config.daemons[0]?.password.reveal()).toBe(secret.stringData['seedbox-password']);
    expect(configMap.data['config.yaml']).not.toMatch(/^\s*password:/m);
  });

  it('probes every configured daemon through /probe on the exporter Service port', () => {
    const configured = (parseYaml(configMap.data['config.yaml']) as { daemons: { name: string }[] }).daemons;
    expect(probe.spec.prober.path).toBe('/probe');
    expect(probe.spec.prober.url).toMatch(new RegExp(`^${service.metadata.name}\\.[a-z0-9-]+\\.svc:${EXPORTER_PORT}$`));
    expect(probe.spec.targets.staticConfig.static).toEqual(configured.map((daemon) => daemon.name));
  });

  it('has a PrometheusRule equal to the one generated from the alert rules file', () => {
    const generated = renderPrometheusRule(readFileSync(`${ROOT}${ALERT_RULES_PATH}`, 'utf8'));
    expect(readFileSync(`${ROOT}${PROMETHEUS_RULE_PATH}`, 'utf8')).toBe(generated);
    const alertRules = parseYaml(readFileSync(`${ROOT}${ALERT_RULES_PATH}`, 'utf8')) as { groups: unknown };
    expect(prometheusRule.spec.groups).toEqual(alertRules.groups);
  });

  it('refuses to generate a PrometheusRule from a rules file without groups', () => {
    expect(() => renderPrometheusRule('rules: []\n')).toThrow(AlertRulesFormatError);
    expect(() => renderPrometheusRule('rules: []\n')).toThrow(
      /deluge-alerts\.yaml: expected a mapping with a "groups" list/,
    );
  });
});
