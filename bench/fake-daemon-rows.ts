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
import { formatBytes, median } from './stats.js';

export interface FakeRowSpec {
  readonly daemons: number;
  readonly torrents: number;
  /** Per-torrent series: the default cap (`capped`) or off (`aggregates only`). */
  readonly series: 'capped' | 'aggregates only';
}

export interface FakeRowResult extends FakeRowSpec {
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

async function benchFakeRow(spec: FakeRowSpec, runs: number, builtCli: string): Promise<FakeRowResult> {
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    for (let started = 0; started < spec.daemons; started += DAEMONS_PER_PROCESS) {
      const daemons = Math.min(DAEMONS_PER_PROCESS, spec.daemons - started);
      const child = await startFakeDaemonProcess(spec.torrents, daemons);
      children.push(child.child);
      ports.push(...child.ports);
    }
    const configYaml = JSON.stringify({
      daemons: ports.map((port, index) => ({
        name: `fake${index}`,
        port,
        username: 'admin',
        password: 'admin-secret',
        timeout_seconds: 300,
      })),
      per_torrent: spec.series === 'aggregates only' ? { enabled: false } : {},
      max_frame_bytes: 1024 * 1024 * 1024,
    });
    const exporter = await startExporter({ configYaml, builtCli, readyTimeoutMs: 120_000 });
    try {
      return await measure(exporter);
    } catch (error) {
      throw new Error(`${(error as Error).message}; exporter output:\n${exporter.output().slice(-3000)}`);
    } finally {
      await exporter.stop();
    }
  } finally {
    await Promise.all(children.map(stopFakeDaemonProcess));
  }

  async function measure(exporter: ExporterHandle): Promise<FakeRowResult> {
    const pid = exporter.pid;
    if (pid === undefined) throw new Error('exporter process has no pid');
    const wall: number[] = [];
    const cpu: number[] = [];
    const slowest: number[] = [];
    let expositionBytes = 0;
    for (let run = -1; run < runs; run++) {
      const cpuBefore = cpuNanoseconds(pid);
      const answer = await timedGet(`${exporter.url}/metrics`, { keepBody: true });
      if (run < 0) continue; // warm-up: learns save paths and the cap
      cpu.push((cpuNanoseconds(pid) - cpuBefore) / 1e6);
      wall.push(answer.ms);
      slowest.push(slowestDaemonMs(answer.body ?? ''));
      expositionBytes = answer.bytes;
    }
    return {
      ...spec,
      scrapeMedianMs: median(wall),
      cpuMedianMs: median(cpu),
      slowestDaemonMs: median(slowest),
      peakRssBytes: peakRssBytes(pid),
      expositionBytes,
    };
  }
}

export async function benchAgainstFakeDaemons(
  specs: readonly FakeRowSpec[],
  runs: number,
  builtCli: string,
  progress: (line: string) => void,
): Promise<FakeRowResult[]> {
  const results: FakeRowResult[] = [];
  for (const spec of specs) {
    progress(`fake daemons: ${spec.daemons} × ${spec.torrents} torrents, ${spec.series}`);
    results.push(await benchFakeRow(spec, runs, builtCli));
  }
  return results;
}

export function fakeDaemonTable(results: readonly FakeRowResult[]): string[] {
  const lines = [
    '| daemons × torrents | series | scrape, wall (median) | slowest daemon in that scrape | wall / slowest | exporter CPU (median) | exporter peak RSS | exposition |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of results) {
    const cells = [
      `${row.daemons} × ${row.torrents}`,
      row.series,
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
