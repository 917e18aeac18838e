import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, stringify } from 'yaml';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { findFreePort } from '../harness/ports.js';
import { REPO_ROOT, scrape } from '../support/exporter-process.js';
import { kustomizeBuild, type Manifest, readDocuments } from '../support/kustomize.js';
import { runExporterAs } from '../support/run-as-user.js';

// The pod of deploy/k8s as the kubelet lays it out: the ConfigMap and the Secret as directories written
// the kubelet's way (a timestamped directory, the ..data symlink, one symlink per key), the Secret's
// files owned by root with the pod's fsGroup and defaultMode, and the exporter run as the pod's user
// with the pod's arguments. Then a ConfigMap update arrives the kubelet's way and the config-reloader's
// webhook is called as the sidecar calls it.
const objects = kustomizeBuild(join(REPO_ROOT, 'deploy/k8s'));
const deployment = objects.find((o) => o.kind === 'Deployment') as Manifest;
const pod = deployment.spec.template.spec as Manifest;
const exporterContainer = pod.containers.find((c: Manifest) => c.name === 'deluge-exporter') as Manifest;
const reloader = pod.containers.find((c: Manifest) => c.name === 'config-reloader') as Manifest;
const volumeOf = (name: string) => (pod.volumes as Manifest[]).find((v) => v.name === name) as Manifest;
const mountOf = (name: string) =>
  (exporterContainer.volumeMounts as Manifest[]).find((m) => m.name === name) as Manifest;
const configMap = objects.find((o) => o.metadata.name === volumeOf('config').configMap.name) as Manifest;
const [secret] = readDocuments(join(REPO_ROOT, 'deploy/k8s/secret.example.yaml')) as [Manifest];
const { runAsUser, runAsGroup, fsGroup } = pod.securityContext as {
  runAsUser: number;
  runAsGroup: number;
  fsGroup: number;
};

/** Writes `files` into `dir` as the kubelet's atomic writer does; returns a function that swaps in new contents. */
function atomicVolume(dir: string, files: Record<string, string>, mode: number, group: number) {
  mkdirSync(dir, { recursive: true });
  let generation = 0;
  const write = (contents: Record<string, string>) => {
    generation += 1;
    const version = `..2026_11_25_00_00_0${generation}.${process.pid}`;
    mkdirSync(join(dir, version));
    chmodSync(join(dir, version), 0o755);
    for (const [key, text] of Object.entries(contents)) {
      const path = join(dir, version, key);
      writeFileSync(path, text);
      chmodSync(path, mode);
      chownSync(path, 0, group);
    }
    symlinkSync(version, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
  };
  write(files);
  for (const key of Object.keys(files)) symlinkSync(join('..data', key), join(dir, key));
  return write;
}

describe('the deploy/k8s pod, laid out as the kubelet does', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-pod-'));
  const configDir = join(scratch, 'config');
  const secretDir = join(scratch, 'secrets');
  let seedbox: DaemonHandle;
  let archive: DaemonHandle;
  let swapConfig: (contents: Record<string, string>) => void;
  let port = 0;
  const running: ChildProcess[] = [];

  /** The ConfigMap's config with the pod's paths mapped into scratch and the daemons pointed at real ones. */
  const podConfig = (daemons: [string, DaemonHandle][]): string => {
    const config = parseYaml(configMap.data['config.yaml']) as { daemons: Manifest[] };
    const [template] = config.daemons as [Manifest];
    config.daemons = daemons.map(([name, daemon]) => ({
      ...template,
      name,
      host: daemon.host,
      port: daemon.port,
      password_file: String(template.password_file).replace(mountOf('credentials').mountPath, secretDir),
    }));
    return stringify(config);
  };

  /** Starts the exporter with the pod's arguments as the pod's user; `groups` are its supplementary groups. */
  const startPodExporter = (groups: number[]) => {
    const args = (exporterContainer.args as string[]).map((arg) =>
      arg.replace(mountOf('config').mountPath, configDir).replace(/^:9354$/, `127.0.0.1:${port}`),
    );
    const started = runExporterAs({ uid: runAsUser, gid: runAsGroup, groups }, args);
    running.push(started.child);
    return started;
  };

  const ready = async (exited: Promise<number | null>) => {
    const deadline = Date.now() + 30_000;
    let done = false;
    void exited.then(() => {
      done = true;
    });
    while (Date.now() < deadline && !done) {
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) return true;
      await sleep(100);
    }
    return false;
  };

  beforeAll(async () => {
    chmodSync(scratch, 0o755);
    const exporterPassword = String(Object.values(secret.stringData)[0]);
    const accounts = [
      { username: 'admin', password: 'admin-password-not-used', level: 10 },
      {
        username: String(parseYaml(configMap.data['config.yaml']).daemons[0].username),
        password: exporterPassword,
        level: 10,
      },
    ];
    [seedbox, archive] = await Promise.all([startDaemon({ accounts }), startDaemon({ accounts })]);
    atomicVolume(secretDir, secret.stringData, volumeOf('credentials').secret.defaultMode, fsGroup);
    swapConfig = atomicVolume(configDir, { 'config.yaml': podConfig([['seedbox', seedbox]]) }, 0o644, 0);
    port = await findFreePort();
  }, 120_000);

  afterAll(async () => {
    for (const child of running) child.kill('SIGKILL');
    await stopAllDaemons();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('cannot read the Secret without the fsGroup: the check that fsGroup matters', async () => {
    // Without fsGroup the kubelet leaves the Secret's files root:root.
    const passwordFile = join(secretDir, '..data', Object.keys(secret.stringData)[0] as string);
    chownSync(passwordFile, 0, 0);
    const { child, exited, output } = startPodExporter([]);
    try {
      if (await ready(exited)) {
        const { exposition } = await scrape(`http://127.0.0.1:${port}/metrics`);
        const up = exposition.samples.find((s) => s.name === 'deluge_up' && s.labels.daemon === 'seedbox');
        expect(up?.value).toBe(0);
      }
      expect(output()).toMatch(/EACCES|permission denied/i);
    } finally {
      child.kill('SIGKILL');
      await exited;
      chownSync(passwordFile, 0, fsGroup);
    }
  });

  it('reads the password through fsGroup, scrapes, and reloads a ConfigMap update through the sidecar webhook', async () => {
    const { exited, output } = startPodExporter([fsGroup]);
    expect(await ready(exited), output()).toBe(true);
    const before = await scrape(`http://127.0.0.1:${port}/metrics`);
    const up = (result: typeof before) =>
      Object.fromEntries(
        result.exposition.samples.filter((s) => s.name === 'deluge_up').map((s) => [s.labels.daemon, s.value]),
      );
    expect(up(before)).toEqual({ seedbox: 1 });

    swapConfig({
      'config.yaml': podConfig([
        ['seedbox', seedbox],
        ['archive', archive],
      ]),
    });
    const webhook = (reloader.args as string[]).find((arg) => arg.startsWith('--webhook-url='))?.split('=')[1] ?? '';
    const method = (reloader.args as string[]).find((arg) => arg.startsWith('--webhook-method='))?.split('=')[1];
    const response = await fetch(webhook.replace(':9354/', `:${port}/`), { method });
    expect(response.status).toBe(200);
    const after = await scrape(`http://127.0.0.1:${port}/metrics`);
    expect(up(after)).toEqual({ seedbox: 1, archive: 1 });
    expect(output()).not.toContain(String(Object.values(secret.stringData)[0]));
  });
});
