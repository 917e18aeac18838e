import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { DASHBOARDS } from '../../../grafana/generator/dashboards.js';
import {
  ALERT_RULES_PATH,
  AlertRulesFormatError,
  DASHBOARDS_CONFIGMAP_PATH,
  GRAFANA_DASHBOARD_LABEL,
  PROMETHEUS_RULE_PATH,
  readDashboards,
  renderDashboardsConfigMap,
  renderPrometheusRule,
} from '../../../scripts/gen-k8s-manifests.js';
import { kustomizeBuild, type Manifest, readDocuments, validateObject } from '../../support/kustomize.js';
import { runPromtool } from '../../support/promtool.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const K8S = join(ROOT, 'deploy/k8s');
const SHARDED = join(K8S, 'overlays/sharded');
const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DEFAULT_PER_TORRENT_CAP = 2000;

const filesRead = new Set<string>();
const single = kustomizeBuild(K8S, filesRead);
const sharded = kustomizeBuild(SHARDED, filesRead);
const one = (objects: Manifest[], kind: string): Manifest => {
  const found = objects.filter((object) => object.kind === kind);
  expect(
    found.map((object) => object.metadata.name),
    kind,
  ).toHaveLength(1);
  return found[0] as Manifest;
};
const named = (objects: Manifest[], name: string) => objects.find((o) => o.metadata.name === name) as Manifest;
const deployment = one(single, 'Deployment');
const podSpec = deployment.spec.template.spec as Manifest;
const exporter = podSpec.containers.find((c: Manifest) => c.name === 'deluge-exporter') as Manifest;
const reloader = podSpec.containers.find((c: Manifest) => c.name === 'config-reloader') as Manifest;
const flag = (name: string) => exporter.args[exporter.args.indexOf(name) + 1] as string;
const mount = (container: Manifest, volume: string) =>
  (container.volumeMounts as Manifest[]).find((m) => m.name === volume) as Manifest;
const volume = (name: string) => (podSpec.volumes as Manifest[]).find((v) => v.name === name) as Manifest;

const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-manifests-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/**
 * The rows of docs/benchmarks.md's tables that have a "series" and an "exporter peak RSS" column: torrents
 * per daemon (the last number of the first cell), the series column and the peak in MB.
 */
function benchmarkPeaks(): { torrents: number; series: string; peakMB: number }[] {
  const lines = readFileSync(join(ROOT, 'docs/benchmarks.md'), 'utf8').split('\n');
  const cells = (line: string) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
  const rows: { torrents: number; series: string; peakMB: number }[] = [];
  let header: string[] = [];
  for (const line of lines) {
    if (!line.startsWith('|')) {
      header = [];
      continue;
    }
    const row = cells(line);
    if (header.length === 0) {
      header = row;
      continue;
    }
    const [seriesAt, peakAt] = [header.indexOf('series'), header.indexOf('exporter peak RSS')];
    const peak = /^([\d.]+) MB$/.exec(row[peakAt] ?? '');
    if (seriesAt < 0 || peak === null) continue;
    const torrents = Number((row[0] ?? '').split('×').at(-1)?.trim());
    rows.push({ torrents, series: row[seriesAt] as string, peakMB: Number(peak[1]) });
  }
  return rows;
}
/** Rows measured with the default settings: per-torrent series on, capped at 2,000 per daemon. */
const atDefaultCap = (row: { torrents: number; series: string }) =>
  row.series === 'capped' || (row.series === 'per-torrent' && row.torrents <= DEFAULT_PER_TORRENT_CAP);
const mebibytes = (quantity: string) => {
  const match = /^(\d+)(Mi|Gi)$/.exec(quantity);
  if (match === null) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
};

describe('deploy/k8s, as kustomize renders it', () => {
  it('validates every object against the Kubernetes and Prometheus Operator schemas', () => {
    expect(single.map((o) => o.kind).sort()).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'PrometheusRule', 'Service', 'ServiceMonitor'].sort(),
    );
    expect(sharded.map((o) => o.kind).sort()).toEqual(
      ['ConfigMap', 'ConfigMap', 'Deployment', 'Probe', 'Prometheus', 'PrometheusRule', 'Service'].sort(),
    );
    const optional = ['secret.example.yaml', 'probe.yaml'].map((file) => join(K8S, file));
    for (const object of [...single, ...sharded, ...optional.flatMap(readDocuments)]) validateObject(object);
    // A broken object is refused, so the validation above means something.
    const broken = structuredClone(deployment);
    broken.spec.replicas = 'three';
    expect(() => validateObject(broken)).toThrow(/spec\/replicas must be integer/);
  });

  it('applies every manifest file through a kustomization except the two documented optional ones', () => {
    const yamlFiles = readdirSync(K8S, { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.yaml'))
      .map((file) => resolve(K8S, file));
    const unused = yamlFiles.filter((file) => !filesRead.has(file)).map((file) => file.slice(K8S.length + 1));
    expect(unused.sort()).toEqual(['probe.yaml', 'secret.example.yaml']);
  });

  it('labels every object and sets the image tag to the package version', () => {
    for (const object of [...single, ...sharded]) {
      expect(object.metadata.labels['app.kubernetes.io/part-of'], object.kind).toBe('deluge-exporter');
      expect(object.metadata.namespace, `${object.kind} is namespace-agnostic`).toBeUndefined();
    }
    for (const objects of [single, sharded]) {
      const containers = one(objects, 'Deployment').spec.template.spec.containers as Manifest[];
      expect(containers[0]?.image).toBe(`deluge-exporter:${packageVersion}`);
    }
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe(packageVersion);
  });

  it('makes the Secret readable to the non-root user through fsGroup', () => {
    const pod = podSpec.securityContext as Manifest;
    expect(pod.runAsNonRoot).toBe(true);
    expect(pod.runAsUser).toBeGreaterThan(0);
    expect(pod.fsGroup).toBe(pod.runAsGroup);
    const mode = volume('credentials').secret.defaultMode as number;
    expect(mode).toBe(0o440);
    expect(mode & 0o040, 'group-readable').toBe(0o040);
    expect(mode & 0o007, 'not world-readable').toBe(0);
    for (const container of podSpec.containers as Manifest[]) {
      expect(container.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
    }
  });

  it('sizes memory from the measured peak RSS at the default per-torrent cap, with headroom, and says so', () => {
    const rows = benchmarkPeaks().filter(atDefaultCap);
    expect(rows.length).toBeGreaterThan(1);
    const peak = Math.max(...rows.map((row) => row.peakMB));
    const smallest = Math.min(...rows.map((row) => row.peakMB));
    const megabytes = (quantity: string) => (mebibytes(quantity) * 1024 * 1024) / 1e6;
    expect(megabytes(exporter.resources.limits.memory)).toBeGreaterThanOrEqual(peak * 1.25);
    expect(megabytes(exporter.resources.requests.memory)).toBeGreaterThanOrEqual(smallest * 1.25);
    const manifestText = readFileSync(join(K8S, 'base/deployment.yaml'), 'utf8');
    expect(manifestText).toContain(`${Math.round(peak)} MB`);
    expect(manifestText).toContain('docs/benchmarks.md');
  });

  it('mounts the config as a directory and reloads it through the sidecar on change', () => {
    const configMount = mount(exporter, 'config');
    expect(configMount.subPath).toBeUndefined();
    expect(flag('--config')).toBe(`${configMount.mountPath}/config.yaml`);
    expect(named(single, volume('config').configMap.name).data['config.yaml']).toContain('daemons:');
    expect(mount(reloader, 'config').mountPath).toBe(configMount.mountPath);
    expect(reloader.args).toContain(`--volume-dir=${configMount.mountPath}`);
    const port = Number(flag('--web.listen-address').split(':').at(-1));
    expect(exporter.ports).toEqual([{ name: 'metrics', containerPort: port, protocol: 'TCP' }]);
    expect(reloader.args).toContain(`--webhook-url=http://127.0.0.1:${port}/-/reload`);
    expect(reloader.args).toContain('--webhook-method=POST');
    expect(exporter.args).toContain('--web.enable-lifecycle');
    for (const container of podSpec.containers as Manifest[]) {
      for (const m of container.volumeMounts as Manifest[]) expect(m.subPath, m.name).toBeUndefined();
    }
  });

  it('wires selectors: Deployment to pods, Service to pods, ServiceMonitor to the Service', () => {
    const service = one(single, 'Service');
    const podLabels = deployment.spec.template.metadata.labels as Record<string, string>;
    expect(podLabels).toMatchObject(deployment.spec.selector.matchLabels);
    expect(podLabels).toMatchObject(service.spec.selector);
    const monitor = one(single, 'ServiceMonitor');
    expect(service.metadata.labels).toMatchObject(monitor.spec.selector.matchLabels);
    expect(monitor.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics' })]);
    expect(service.spec.ports[0]).toMatchObject({ name: 'metrics', targetPort: 'metrics' });
  });

  it('shards: several exporter replicas, the Probe selected by Prometheus shards, one scrape per daemon', () => {
    const shardedDeployment = one(sharded, 'Deployment');
    expect(shardedDeployment.spec.replicas).toBeGreaterThan(1);
    const prometheus = one(sharded, 'Prometheus');
    expect(prometheus.spec.shards).toBeGreaterThan(1);
    const probe = one(sharded, 'Probe');
    expect(probe.metadata.labels).toMatchObject(prometheus.spec.probeSelector.matchLabels);
    expect(one(sharded, 'PrometheusRule').metadata.labels).toMatchObject(prometheus.spec.ruleSelector.matchLabels);
    const service = one(sharded, 'Service');
    expect(probe.spec.prober).toEqual({
      url: `${service.metadata.name}.default.svc:${service.spec.ports[0].port}`,
      path: '/probe',
    });
    // The job DelugeExporterDown watches.
    expect(probe.spec.jobName).toBe('deluge-exporter');
    const configured = parseYaml(named(sharded, 'deluge-exporter-config').data['config.yaml']).daemons.map(
      (d: Manifest) => d.name,
    );
    expect(probe.spec.targets.staticConfig.static).toEqual(configured);
  });

  it('has the PrometheusRule generated from the alert rules, and its rules pass promtool check rules', () => {
    const rulesText = readFileSync(join(ROOT, ALERT_RULES_PATH), 'utf8');
    expect(readFileSync(join(ROOT, PROMETHEUS_RULE_PATH), 'utf8')).toBe(renderPrometheusRule(rulesText));
    const rule = one(single, 'PrometheusRule');
    const extracted = join(scratch, 'rules.yaml');
    writeFileSync(extracted, stringify({ groups: rule.spec.groups }));
    const checked = runPromtool(['check', 'rules', extracted]);
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(checked.status).toBe(0);
    expect(() => renderPrometheusRule('rules: []\n')).toThrow(AlertRulesFormatError);
  });

  it('has the dashboards ConfigMap generated from grafana/dashboards, labelled for the Grafana sidecar', () => {
    const dashboards = readDashboards(ROOT);
    expect([...dashboards.keys()].sort()).toEqual([...DASHBOARDS.keys()].sort());
    expect(readFileSync(join(ROOT, DASHBOARDS_CONFIGMAP_PATH), 'utf8')).toBe(renderDashboardsConfigMap(dashboards));
    const configMap = named(single, 'deluge-exporter-dashboards');
    expect(configMap.metadata.labels).toMatchObject(GRAFANA_DASHBOARD_LABEL);
    for (const [file, text] of dashboards) expect(configMap.data[file]).toBe(text);
  });
});
