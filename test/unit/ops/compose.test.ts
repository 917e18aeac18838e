import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { DASHBOARDS } from '../../../grafana/generator/dashboards.js';
import { runPromtool } from '../../support/promtool.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const COMPOSE_DIR = join(ROOT, 'deploy/compose');

interface Service {
  image?: string;
  build?: string;
  volumes?: string[];
  environment?: Record<string, string>;
  command?: string[];
  depends_on?: string[];
}
const document = parseDocument(readFileSync(join(COMPOSE_DIR, 'compose.yaml'), 'utf8'));
const compose = document.toJS() as { services: Record<string, Service>; volumes: Record<string, unknown> };

/** A service's volumes as source, target and whether the source is a path on the host. */
const mountsOf = (service: Service) =>
  (service.volumes ?? []).map((volume) => {
    const [source = '', target = ''] = volume.split(':');
    return { source, target, bind: source.startsWith('.') || source.startsWith('/') };
  });

const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('deploy/compose', () => {
  it('parses, with Deluge, the exporter, Prometheus and Grafana', () => {
    expect(document.errors).toEqual([]);
    expect(Object.keys(compose.services).sort()).toEqual(['deluge', 'exporter', 'grafana', 'prometheus']);
  });

  it('mounts only files and directories that exist, and declares every named volume', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      for (const mount of mountsOf(service)) {
        if (mount.bind) expect(existsSync(resolve(COMPOSE_DIR, mount.source)), `${name}: ${mount.source}`).toBe(true);
        else expect(Object.keys(compose.volumes), `${name}: ${mount.source}`).toContain(mount.source);
      }
    }
    const build = compose.services.exporter?.build as string;
    expect(existsSync(join(COMPOSE_DIR, build, 'Dockerfile'))).toBe(true);
  });

  it('lets the exporter read Deluge’s auth file from the shared config volume, read-only', () => {
    const exporter = compose.services.exporter as Service;
    const deluge = compose.services.deluge as Service;
    const shared = mountsOf(deluge).find((mount) => mount.target === '/config')?.source;
    const exporterMount = mountsOf(exporter).find((mount) => mount.source === shared);
    expect(exporterMount?.target).toBe(exporter.environment?.DELUGE_CONFIG_DIR);
    expect((exporter.volumes ?? []).find((volume) => volume.startsWith(`${shared}:`))).toMatch(/:ro$/);
    expect(exporter.environment?.DELUGE_HOST).toBe('deluge');
  });

  it('gives the exporter an environment it loads: localclient from the auth file, the deluge service', () => {
    const environment = compose.services.exporter?.environment ?? {};
    const configDir = join(scratch, 'deluge-config');
    mkdirSync(configDir);
    writeFileSync(join(configDir, 'auth'), 'localclient:not-the-real-secret:10\n');
    const check = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--check-config'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...environment, DELUGE_CONFIG_DIR: configDir },
    });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
    expect(check.stdout).toContain(environment.DELUGE_NAME);
    expect(check.stdout).toContain(`${environment.DELUGE_HOST}:${environment.DELUGE_PORT}`);
    expect(check.stdout).toContain('localclient');
    expect(check.stdout).not.toContain('not-the-real-secret');
  });

  it('has a Prometheus config that passes promtool check config with the rules mounted as in the container', () => {
    const prometheus = compose.services.prometheus as Service;
    const configFlag = prometheus.command?.find((arg) => arg.startsWith('--config.file=')) ?? '';
    const configInContainer = configFlag.split('=')[1] as string;
    // The container's file system, rebuilt from the service's bind mounts.
    for (const mount of mountsOf(prometheus).filter((m) => m.bind)) {
      const target = join(scratch, mount.target);
      mkdirSync(dirname(target), { recursive: true });
      cpSync(resolve(COMPOSE_DIR, mount.source), target, {
        recursive: statSync(resolve(COMPOSE_DIR, mount.source)).isDirectory(),
      });
    }
    const checked = runPromtool(['check', 'config', join(scratch, configInContainer)]);
    expect(checked.output).toMatch(/SUCCESS: 1 rule files found/);
    expect(checked.output).toMatch(/SUCCESS: \d+ rules found/);
    expect(checked.status).toBe(0);
  });

  it('provisions Grafana with the data source, the dashboard provider and the dashboards where it looks for them', () => {
    const grafana = compose.services.grafana as Service;
    const targets = mountsOf(grafana).map((mount) => mount.target);
    expect(targets).toContain('/etc/grafana/provisioning/datasources/deluge.yaml');
    expect(targets).toContain('/etc/grafana/provisioning/dashboards/deluge.yaml');
    const provider = parseDocument(readFileSync(join(ROOT, 'grafana/provisioning/dashboards.yaml'), 'utf8')).toJS();
    const dashboardsPath = provider.providers[0].options.path as string;
    const dashboards = mountsOf(grafana).find((mount) => mount.target.startsWith(`${dashboardsPath}/`));
    // The mount brings every generated dashboard (both, so the links between them work).
    const mounted = readdirSync(resolve(COMPOSE_DIR, dashboards?.source ?? '/nonexistent'));
    expect(mounted).toEqual(expect.arrayContaining([...DASHBOARDS.keys()]));
    const datasources = parseDocument(readFileSync(join(ROOT, 'grafana/provisioning/datasources.yaml'), 'utf8')).toJS();
    expect(datasources.datasources[0].url).toBe('http://prometheus:9090');
  });
});
