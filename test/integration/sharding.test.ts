import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  REPO_ROOT,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { kustomizeBuild, type Manifest } from '../support/kustomize.js';
import { type PrometheusHandle, startPrometheus } from '../support/prometheus.js';
import { type PromtoolResult, runPromtool } from '../support/promtool.js';

// deploy/k8s/overlays/sharded as the Prometheus Operator turns it into scrape configs: the Probe's static
// targets, scraped through /probe on the exporter Service, spread over `shards` Prometheus servers by
// hashmod of the target. Here: two real Prometheus servers, two exporter processes (each shard's
// connection to the Service lands on one replica) and four real daemons.
const overlay = kustomizeBuild(join(REPO_ROOT, 'deploy/k8s/overlays/sharded'));
const probe = overlay.find((object) => object.kind === 'Probe') as Manifest;
const shards = (overlay.find((object) => object.kind === 'Prometheus') as Manifest).spec.shards as number;
const DAEMON_NAMES = ['seedbox', 'archive', 'media', 'linux-isos'];

/** Prometheus's hashmod: the MD5 of the value, its last 8 bytes as a big-endian integer, modulo n. */
function hashmod(value: string, modulus: number): number {
  const digest = createHash('md5').update(value).digest();
  return Number(digest.readBigUInt64BE(8) % BigInt(modulus));
}

/** The scrape config the Operator generates for the Probe on shard `shard` (relabelings in its order). */
function shardScrapeConfig(shard: number, exporterAddress: string, targets: readonly string[]): string {
  const job = {
    job_name: `probe/default/${probe.metadata.name}`,
    metrics_path: probe.spec.prober.path,
    scrape_interval: '1s',
    scrape_timeout: '1s',
    static_configs: [{ targets }],
    relabel_configs: [
      { target_label: 'job', replacement: probe.spec.jobName },
      { source_labels: ['__address__'], target_label: '__param_target' },
      { source_labels: ['__param_target'], target_label: 'instance' },
      { target_label: '__address__', replacement: exporterAddress },
      {
        source_labels: ['__param_target', '__tmp_hash'],
        target_label: '__tmp_hash',
        regex: '(.+);',
        replacement: '$1',
        action: 'replace',
      },
      { source_labels: ['__tmp_hash'], target_label: '__tmp_hash', modulus: shards, action: 'hashmod' },
      { source_labels: ['__tmp_hash', '__tmp_disable_sharding'], regex: `${shard};|.+;.+`, action: 'keep' },
    ],
  };
  return JSON.stringify({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs: [job] });
}

/** The remote ports of the established TCP connections a process holds (from /proc). */
function establishedRemotePorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // The descriptor closed meanwhile.
    }
  }
  const ports: number[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      const [remote, state, inode] = [fields[2], fields[3], fields[9]];
      if (state === '01' && inode !== undefined && inodes.has(inode) && remote !== undefined) {
        ports.push(Number.parseInt(remote.split(':')[1] ?? '', 16));
      }
    }
  }
  return ports.sort((a, b) => a - b);
}

describe('the sharded overlay end to end: hashmod shards over /probe, several exporter replicas', () => {
  const daemons = new Map<string, DaemonHandle>();
  const exporters: ExporterHandle[] = [];
  const servers: PrometheusHandle[] = [];
  const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-shards-'));
  const shardOf = (name: string) => hashmod(name, shards);
  const checks: PromtoolResult[] = [];

  beforeAll(async () => {
    expect(shards).toBe(2);
    // Every shard has a daemon, so the test can tell the shards apart.
    expect(new Set(DAEMON_NAMES.map(shardOf)).size).toBe(shards);
    for (const name of DAEMON_NAMES) daemons.set(name, await startDaemon());
    const config = exporterConfigYaml([...daemons].map(([name, daemon]) => ({ name, daemon })));
    for (let replica = 0; replica < shards; replica++) exporters.push(await startExporter({ configYaml: config }));
    for (let shard = 0; shard < shards; shard++) {
      const yaml = shardScrapeConfig(shard, `127.0.0.1:${exporters[shard]?.port}`, DAEMON_NAMES);
      const file = join(scratch, `shard-${shard}.yml`);
      writeFileSync(file, yaml);
      checks.push(runPromtool(['check', 'config', file]));
      servers.push(await startPrometheus(yaml));
    }
    // Until every server has scraped its share at least once.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const answers = await Promise.all(servers.map((server) => server.query('deluge_up')));
      if (answers.flat().length >= DAEMON_NAMES.length) return;
      await sleep(500);
    }
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop()));
    await stopAllExporters();
    await stopAllDaemons();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('gives each shard a config that passes promtool check config', () => {
    expect(checks).toHaveLength(shards);
    for (const check of checks) {
      expect(check.output).toMatch(/SUCCESS/);
      expect(check.status).toBe(0);
    }
  });

  it('scrapes every daemon on exactly one Prometheus server, the one its hashmod names', async () => {
    const targetsPerServer = await Promise.all(servers.map((server) => server.targets()));
    const scrapedBy = new Map<string, number[]>();
    targetsPerServer.forEach((targets, shard) => {
      for (const target of targets) {
        const name = target.labels.instance as string;
        scrapedBy.set(name, [...(scrapedBy.get(name) ?? []), shard]);
        expect(target.labels.job).toBe(probe.spec.jobName);
        expect(target.scrapeUrl).toContain(`/probe?target=${name}`);
      }
    });
    expect(Object.fromEntries(scrapedBy)).toEqual(Object.fromEntries(DAEMON_NAMES.map((n) => [n, [shardOf(n)]])));
  });

  it('has deluge_up 1 for every daemon, each in one server only', async () => {
    const answers = await Promise.all(servers.map((server) => server.query('deluge_up')));
    const seen = answers.flatMap((samples, shard) =>
      samples.map((sample) => ({
        daemon: sample.metric.daemon,
        instance: sample.metric.instance,
        shard,
        up: sample.value,
      })),
    );
    expect(seen.sort((a, b) => String(a.daemon).localeCompare(String(b.daemon)))).toEqual(
      [...DAEMON_NAMES].sort().map((name) => ({ daemon: name, instance: name, shard: shardOf(name), up: 1 })),
    );
  });

  it('connects each exporter replica only to the daemons it is asked about', () => {
    exporters.forEach((exporter, replica) => {
      const asked = DAEMON_NAMES.filter((name) => shardOf(name) === replica);
      const expectedPorts = asked.map((name) => daemons.get(name)?.port as number).sort((a, b) => a - b);
      const daemonPorts = new Set([...daemons.values()].map((daemon) => daemon.port));
      const connected = establishedRemotePorts(exporter.pid as number).filter((port) => daemonPorts.has(port));
      expect(connected, `replica ${replica}`).toEqual(expectedPorts);
    });
  });
});
