/**
 * Resident memory against the runtime's floor (issue 18): per Node.js version and exporter build,
 * side by side in one run.
 *
 * - **floor**: bench/floor.mjs, a process that loads only express, pino and prom-client the way the
 *   exporter loads its code, then waits; VmRSS 1 s after it has loaded them. Per column, in that
 *   column's environment (with `--image-env`, the image's: its malloc settings lower the floor too).
 * - **idle**: the exporter with one 200-torrent daemon configured, VmRSS 1 s after it is ready.
 * - **after 5 scrapes of 200 torrents** (per-torrent series): VmRSS 1 s after the fifth answer.
 * - **peaks** (VmHWM, start-up included) after 5 scrapes: 2,000 torrents per-torrent and 10,000
 *   capped against the real deluged, 100,000 aggregates-only against the fake daemon.
 * - **start-up**: from spawning the process to the first 200 answer of `/metrics` (which is itself a
 *   scrape of the 200 torrents), wall time and the process's CPU time.
 * - **the reference exporter** (tobbez/deluge_exporter, Python, per-torrent metrics on): VmRSS 1 s
 *   after 5 scrapes of the same 200-torrent daemon, with `--reference DIR` (a checkout of it in
 *   DIR/deluge_exporter and of its deluge-client fork in DIR/deluge-client; Debian's
 *   python3-prometheus-client and python3-loguru). Not part of this repository.
 *
 * Each cell is the median over `runs` fresh processes.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findFreePort } from '../test/harness/ports.js';
import { REPO_ROOT, startExporter } from '../test/support/exporter-process.js';
import { startFakeDaemonProcess, stopFakeDaemonProcess } from './fake-daemon-child.js';
import { fakeConfigYaml } from './fake-daemon-rows.js';
import { cpuNanoseconds, peakRssBytes, timedGet } from './real-daemon/exporter-probe.js';
import { BENCH_ACCOUNT, filledDaemon } from './real-daemon/fill.js';
import { type ExporterBuild, type RowSpec, rowConfigYaml } from './real-daemon/scrape-vs-daemon.js';
import { median } from './stats.js';

/** A `node` binary the rows run on, and how the table names it. */
export interface Runtime {
  readonly label: string;
  readonly node: string;
}

export interface FootprintSizes {
  /** Torrents of the idle, after-5-scrapes and start-up rows (200). */
  readonly small: number;
  /** Torrents of the per-torrent peak row (2,000). */
  readonly perTorrent: number;
  /** Torrents of the capped peak row (10,000). */
  readonly capped: number;
  /** Torrents of the aggregates-only row against the fake daemon (100,000). */
  readonly fake: number;
}

export interface FootprintOptions {
  readonly runtimes: readonly Runtime[];
  /** Exporter builds; each runs on every runtime (their own `node` is not used here). */
  readonly builds: readonly ExporterBuild[];
  readonly runs: number;
  readonly sizes: FootprintSizes;
  readonly cacheRoot: string;
  readonly gzip: boolean;
  /** Directory with checkouts of the reference exporter (see the module comment). */
  readonly reference?: string;
  readonly progress: (line: string) => void;
}

const SCRAPES = 5;
const SETTLE_MS = 1000;
const MB = 1e6;

/** The rows of the table, in order. */
const ROWS = ['floor', 'idle', 'small', 'perTorrent', 'capped', 'fake', 'startWall', 'startCpu'] as const;
type Row = (typeof ROWS)[number];

/** Samples of one column (a build on a runtime, or the reference exporter): per row, one value per process. */
type Column = Map<Row, number[]>;

export interface FootprintResult {
  readonly sizes: FootprintSizes;
  readonly gzip: boolean;
  /** Column label → row → samples (bytes, or milliseconds for start-up); an exporter column's floor is its runtime's. */
  readonly columns: ReadonlyMap<string, Column>;
}

function residentBytes(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

function record(column: Column, row: Row, value: number): void {
  const samples = column.get(row) ?? [];
  samples.push(value);
  column.set(row, samples);
}

/** Resolves when `child` prints a line containing `text`; rejects when it exits first. */
function waitForOutput(child: ChildProcess, text: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes(text)) resolve();
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with code ${code} before printing "${text}"`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** RSS of the floor process on `runtime`, in the environment `env` adds (a build's: the image's with `--image-env`). */
async function floorRss(runtime: Runtime, env: Readonly<Record<string, string>> | undefined): Promise<number> {
  const child = spawn(runtime.node, [join(import.meta.dirname, 'floor.mjs')], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  try {
    await waitForOutput(child, 'loaded', `floor process (${runtime.label})`);
    await sleep(SETTLE_MS);
    return residentBytes(child.pid as number);
  } finally {
    await stopChild(child);
  }
}

/** GETs `url` until it answers 200 (connection refused or another status: again after 5 ms). */
async function firstAnswer(url: string, child: ChildProcess, gzip: boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    try {
      await timedGet(url, { gzip });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`${what}: no answer from ${url} in 60 s: ${String(error)}`);
      await sleep(5);
    }
  }
}

/** Spawns the exporter on `runtime` and times it to its first `/metrics` answer (wall and CPU ms). */
async function startUp(runtime: Runtime, build: ExporterBuild, configYaml: string, gzip: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-bench-footprint-'));
  const configPath = join(dir, 'config.yaml');
  writeFileSync(configPath, configYaml, { mode: 0o600 });
  const port = await findFreePort();
  const started = process.hrtime.bigint();
  const child = spawn(
    runtime.node,
    [build.cli, '--config', configPath, '--web.listen-address', `127.0.0.1:${port}`, '--log.level', 'warn'],
    { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...build.env } },
  );
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  try {
    await firstAnswer(`http://127.0.0.1:${port}/metrics`, child, gzip, `exporter (${runtime.label})`).catch(
      (error: unknown) => {
        throw new Error(`${(error as Error).message}\n${stderr.slice(-2000)}`);
      },
    );
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    return { wallMs, cpuMs: cpuNanoseconds(child.pid as number) / 1e6 };
  } finally {
    await stopChild(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Starts the exporter with `configYaml` on `runtime`, calls `measure` with it, stops it. */
async function withExporter<T>(
  runtime: Runtime,
  build: ExporterBuild,
  configYaml: string,
  measure: (url: string, pid: number) => Promise<T>,
): Promise<T> {
  const exporter = await startExporter({
    configYaml,
    builtCli: build.cli,
    env: build.env ?? {},
    node: runtime.node,
    readyTimeoutMs: 120_000,
  });
  try {
    return await measure(exporter.url, exporter.pid as number);
  } catch (error) {
    throw new Error(`${(error as Error).message}; exporter output:\n${exporter.output().slice(-3000)}`);
  } finally {
    await exporter.stop();
  }
}

async function scrapes(url: string, count: number, gzip: boolean): Promise<void> {
  for (let scrape = 0; scrape < count; scrape++) await timedGet(`${url}/metrics`, { gzip });
}

/** The reference exporter against the daemon: VmRSS 1 s after 5 scrapes. */
async function referenceRss(directory: string, host: string, port: number, gzip: boolean): Promise<number> {
  const listenPort = await findFreePort();
  const child = spawn('/usr/bin/python3', [join(directory, 'deluge_exporter', 'deluge_exporter.py')], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      PATH: process.env.PATH,
      PYTHONPATH: join(directory, 'deluge-client'),
      DELUGE_HOST: host,
      DELUGE_PORT: String(port),
      DELUGE_USER: BENCH_ACCOUNT.username,
      DELUGE_PASSWORD: BENCH_ACCOUNT.password,
      LISTEN_ADDRESS: '127.0.0.1',
      LISTEN_PORT: String(listenPort),
      PER_TORRENT_METRICS: '1',
    },
  });
  try {
    const url = `http://127.0.0.1:${listenPort}`;
    await firstAnswer(`${url}/metrics`, child, gzip, 'reference exporter');
    await scrapes(url, SCRAPES - 1, gzip);
    await sleep(SETTLE_MS);
    return residentBytes(child.pid as number);
  } finally {
    await stopChild(child);
  }
}

/** Every (build, runtime) column, labelled "BUILD, Node X" (or just "Node X" with one build). */
function exporterColumns(options: FootprintOptions) {
  return options.builds.flatMap((build) =>
    options.runtimes.map((runtime) => ({
      build,
      runtime,
      label: options.builds.length > 1 ? `${build.label}, ${runtime.label}` : runtime.label,
    })),
  );
}

const REFERENCE = 'reference exporter (Python)';

export async function benchFootprint(options: FootprintOptions): Promise<FootprintResult> {
  const columns = new Map<string, Column>();
  const column = (label: string): Column => {
    const existing = columns.get(label);
    if (existing !== undefined) return existing;
    const created: Column = new Map();
    columns.set(label, created);
    return created;
  };
  const targets = exporterColumns(options);
  // Each column's floor runs in that column's environment: the image's malloc settings lower the floor too.
  for (const target of targets) {
    options.progress(`footprint: floor of ${target.label}`);
    const floors: number[] = [];
    for (let run = 0; run < options.runs; run++) floors.push(await floorRss(target.runtime, target.build.env));
    column(target.label).set('floor', floors);
  }

  const realRows: readonly { spec: RowSpec; row: Row }[] = [
    { spec: { torrents: options.sizes.small, series: 'per-torrent' }, row: 'small' },
    { spec: { torrents: options.sizes.perTorrent, series: 'per-torrent' }, row: 'perTorrent' },
    { spec: { torrents: options.sizes.capped, series: 'capped' }, row: 'capped' },
  ];
  for (const torrents of new Set(realRows.map(({ spec }) => spec.torrents))) {
    options.progress(`footprint: real deluged with ${torrents} torrents`);
    const daemon = await filledDaemon(options.cacheRoot, torrents, options.progress);
    try {
      for (const { spec, row } of realRows.filter(({ spec }) => spec.torrents === torrents)) {
        const configYaml = rowConfigYaml(daemon, spec);
        for (let run = 0; run < options.runs; run++) {
          for (const target of targets) {
            options.progress(`footprint: ${spec.torrents} torrents, ${target.label}, process ${run + 1}`);
            const samples = column(target.label);
            await withExporter(target.runtime, target.build, configYaml, async (url, pid) => {
              if (row === 'small') {
                await sleep(SETTLE_MS);
                record(samples, 'idle', residentBytes(pid));
              }
              await scrapes(url, SCRAPES, options.gzip);
              if (row === 'small') {
                await sleep(SETTLE_MS);
                record(samples, row, residentBytes(pid));
              } else {
                record(samples, row, peakRssBytes(pid));
              }
            });
            if (row === 'small') {
              const { wallMs, cpuMs } = await startUp(target.runtime, target.build, configYaml, options.gzip);
              record(samples, 'startWall', wallMs);
              record(samples, 'startCpu', cpuMs);
            }
          }
          if (row === 'small' && options.reference !== undefined) {
            options.progress(`footprint: ${spec.torrents} torrents, reference exporter, process ${run + 1}`);
            record(
              column(REFERENCE),
              'small',
              await referenceRss(options.reference, daemon.host, daemon.port, options.gzip),
            );
          }
        }
      }
    } finally {
      await daemon.stop();
    }
  }

  options.progress(`footprint: fake daemon with ${options.sizes.fake} torrents`);
  const fake = await startFakeDaemonProcess(options.sizes.fake);
  try {
    const configYaml = fakeConfigYaml(fake.ports, 'aggregates only');
    for (let run = 0; run < options.runs; run++) {
      for (const target of targets) {
        options.progress(`footprint: ${options.sizes.fake} torrents (fake), ${target.label}, process ${run + 1}`);
        await withExporter(target.runtime, target.build, configYaml, async (url, pid) => {
          await scrapes(url, SCRAPES, options.gzip);
          record(column(target.label), 'fake', peakRssBytes(pid));
        });
      }
    }
  } finally {
    await stopFakeDaemonProcess(fake.child);
  }
  return { sizes: options.sizes, gzip: options.gzip, columns };
}

function rowTitles(sizes: FootprintSizes): Record<Row, string> {
  const n = (count: number) => count.toLocaleString('en-US');
  return {
    floor: 'floor: express, pino, prom-client loaded, waiting (RSS)',
    idle: `idle exporter, one daemon configured (RSS)`,
    small: `after ${SCRAPES} scrapes of ${n(sizes.small)} torrents, per-torrent (RSS; target floor + 5 MB)`,
    perTorrent: `peak, ${n(sizes.perTorrent)} torrents per-torrent (target floor + 20 MB)`,
    capped: `peak, ${n(sizes.capped)} torrents capped (target floor + 20 MB)`,
    fake: `peak, ${n(sizes.fake)} torrents aggregates-only, fake daemon (target 150 MB)`,
    startWall: `start-up to the first /metrics answer (${n(sizes.small)} torrents), wall`,
    startCpu: 'start-up to the first /metrics answer, CPU',
  };
}

/** The Markdown table: one column per runtime (and build), the reference exporter's last; sizes over the floor in parentheses. */
export function footprintTable(result: FootprintResult): string[] {
  const labels = [...result.columns.keys()];
  const titles = rowTitles(result.sizes);
  const lines = [`| | ${labels.join(' | ')} |`, `| --- |${labels.map(() => ' --- |').join('')}`];
  for (const row of ROWS) {
    const cells = labels.map((label) => {
      const samples = result.columns.get(label)?.get(row);
      if (samples === undefined || samples.length === 0) return '';
      const value = median(samples);
      if (row === 'startWall' || row === 'startCpu') return `${value.toFixed(0)} ms`;
      const floor = result.columns.get(label)?.get('floor');
      if (floor === undefined || row === 'floor' || row === 'fake') return `${(value / MB).toFixed(1)} MB`;
      const over = value - median(floor);
      return `${(value / MB).toFixed(1)} MB (floor ${over < 0 ? '−' : '+'} ${(Math.abs(over) / MB).toFixed(1)})`;
    });
    if (cells.every((cell) => cell === '')) continue;
    lines.push(`| ${titles[row]} | ${cells.join(' | ')} |`);
  }
  return lines;
}
