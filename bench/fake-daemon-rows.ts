/**
 * Scrapes too large for a real daemon on this machine, against the protocol-level fake daemon
 * (bench/fake-daemon-process.ts, its own processes): one daemon with 100,000 torrents, and 50 daemons
 * with 2,000 torrents each in one `/metrics`. The exporter runs from the built `dist/cli.js` like in
 * the real-daemon rows; CPU and peak RSS are the exporter process's own (/proc).
 */
import type { ChildProcess } from 'node:child_process';
import { type ExporterHandle, startExporter } from '../test/support/exporter-process.js';
import { startFakeDaemonProcess, stopFakeDaemonProcess } from './fake-daemon-child.js';
import { cpuNanoseconds, peakRssBytes, timedGet } from './real-daemon/exporter-probe.js';
import { type ExporterBuild, nodeOf } from './real-daemon/scrape-vs-daemon.js';
import { formatBytes, median } from './stats.js';

export interface FakeRowSpec {
  readonly daemons: number;
  readonly torrents: number;
  /** Per-torrent series: the default cap (`capped`) or off (`aggregates only`). */
  readonly series: 'capped' | 'aggregates only';
}

export interface FakeRowResult extends FakeRowSpec {
  /** Label of the exporter build (see {@link ExporterBuild}). */
  readonly exporter: string;
  readonly scrapeMedianMs: number;
  readonly cpuMedianMs: number;
  /** The largest `deluge_scrape_duration_seconds` of one daemon in the same scrape (median over runs). */
  readonly slowestDaemonMs: number;
  readonly peakRssBytes: number;
  readonly expositionBytes: number;
}

/** Fake daemon processes for a row: at most 25 fake daemons each, so their deflating is spread out. */
const DAEMONS_PER_PROCESS = 25;

function slowestDaemonMs(exposition: string): number {
  let slowest = 0;
  for (const match of exposition.matchAll(/^deluge_scrape_duration_seconds\{[^}]*\} (\S+)$/gm)) {
    slowest = Math.max(slowest, Number(match[1]) * 1000);
  }
  return slowest;
}

/** The exporter config for fake daemons on `ports` (JSON is YAML). */
export function fakeConfigYaml(ports: readonly number[], series: FakeRowSpec['series']): string {
  return JSON.stringify({
    daemons: ports.map((port, index) => ({
      name: `fake${index}`,
      port,
      username: 'admin',
      password: 'admin-secret',
      timeout_seconds: 300,
    })),
    per_torrent: series === 'aggregates only' ? { enabled: false } : {},
    max_frame_bytes: 1024 * 1024 * 1024,
  });
}

async function benchFakeRow(
  spec: FakeRowSpec,
  runs: number,
  builds: readonly ExporterBuild[],
  gzip: boolean,
): Promise<FakeRowResult[]> {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    for (let started = 0; started < spec.daemons; started += DAEMONS_PER_PROCESS) {
      const daemons = Math.min(DAEMONS_PER_PROCESS, spec.daemons - started);
      const child = await startFakeDaemonProcess(spec.torrents, daemons);
      children.push(child.child);
      ports.push(...child.ports);
    }
    const configYaml = fakeConfigYaml(ports, spec.series);
    const exporters: ExporterHandle[] = [];
    try {
      for (const build of builds) {
        exporters.push(
          await startExporter({
            configYaml,
            builtCli: build.cli,
            env: build.env ?? {},
            readyTimeoutMs: 120_000,
            ...nodeOf(build),
          }),
        );
      }
      const samples = exporters.map(() => ({ wall: [] as number[], cpu: [] as number[], slowest: [] as number[] }));
      const bytes = exporters.map(() => 0);
      for (let run = -1; run < runs; run++) {
        // A rotating order, so a slow phase of the shared machine does not always hit the same build.
        for (let offset = 0; offset < exporters.length; offset++) {
          const index = (Math.max(run, 0) + offset) % exporters.length;
          const exporter = exporters[index] as ExporterHandle;
          const sample = samples[index] as (typeof samples)[number];
          const pid = exporterPid(exporter);
          const cpuBefore = cpuNanoseconds(pid);
          const answer = await timedGet(`${exporter.url}/metrics`, { keepBody: true, gzip });
          if (run < 0) continue; // warm-up: learns save paths and the cap
          sample.cpu.push((cpuNanoseconds(pid) - cpuBefore) / 1e6);
          sample.wall.push(answer.ms);
          sample.slowest.push(slowestDaemonMs(answer.body ?? ''));
          bytes[index] = answer.bytes;
        }
      }
      return exporters.map((exporter, index) => {
        const sample = samples[index] as (typeof samples)[number];
        return {
          ...spec,
          exporter: builds[index]?.label ?? '',
          scrapeMedianMs: median(sample.wall),
          cpuMedianMs: median(sample.cpu),
          slowestDaemonMs: median(sample.slowest),
          peakRssBytes: peakRssBytes(exporterPid(exporter)),
          expositionBytes: bytes[index] ?? 0,
        };
      });
    } catch (error) {
      const output = exporters.map((exporter) => exporter.output().slice(-3000)).join('\n');
      throw new Error(`${(error as Error).message}; exporter output:\n${output}`);
    } finally {
      await Promise.all(exporters.map((exporter) => exporter.stop()));
    }
  } finally {
    await Promise.all(children.map(stopFakeDaemonProcess));
  }
}

function exporterPid(exporter: ExporterHandle): number {
  if (exporter.pid === undefined) throw new Error('exporter process has no pid');
  return exporter.pid;
}

export async function benchAgainstFakeDaemons(
  specs: readonly FakeRowSpec[],
  runs: number,
  builds: readonly ExporterBuild[],
  gzip: boolean,
  progress: (line: string) => void,
): Promise<FakeRowResult[]> {
  const results: FakeRowResult[] = [];
  for (const spec of specs) {
    progress(`fake daemons: ${spec.daemons} × ${spec.torrents} torrents, ${spec.series}`);
    results.push(...(await benchFakeRow(spec, runs, builds, gzip)));
  }
  return results;
}

export function fakeDaemonTable(results: readonly FakeRowResult[]): string[] {
  const builds = new Set(results.map((row) => row.exporter)).size > 1;
  const lines = [
    '| daemons × torrents | series |' +
      (builds ? ' exporter |' : '') +
      ' scrape, wall (median) | slowest daemon in that scrape | wall / slowest | exporter CPU (median) | exporter peak RSS | exposition |',
    `| --- | --- |${builds ? ' --- |' : ''} --- | --- | --- | --- | --- | --- |`,
  ];
  for (const row of results) {
    const cells = [
      `${row.daemons} × ${row.torrents}`,
      row.series,
      ...(builds ? [row.exporter] : []),
      `${row.scrapeMedianMs.toFixed(0)} ms`,
      `${row.slowestDaemonMs.toFixed(0)} ms`,
      `${(row.scrapeMedianMs / row.slowestDaemonMs).toFixed(2)}×`,
      `${row.cpuMedianMs.toFixed(0)} ms`,
      formatBytes(row.peakRssBytes),
      formatBytes(row.expositionBytes),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}
