/**
 * Exporter scrape against a real `deluged` 2.0.3, side by side with the daemon's own answer.
 *
 * Per row: the daemon holds N generated torrents (bench/real-daemon/fill.ts); the exporter runs as
 * its own process from the built `dist/cli.js` (plain `node`, as shipped) with the row's config;
 * a bare client (bench/real-daemon/bare-client.ts) on a warm connection sends the very bundle the
 * exporter sends (recorded from the exporter's scraper). Each run times both, alternating which goes
 * first; the exporter's CPU is read from /proc over its `/metrics` request, its peak RSS at the end.
 */
import type { DaemonHandle } from '../../test/harness/daemon.js';
import { startExporter } from '../../test/support/exporter-process.js';
import { formatBytes, median, quantile } from '../stats.js';
import { BareClient, bundleFrame, checkBundleAnswered } from './bare-client.js';
import { steadyStateBundles } from './bundle.js';
import { cpuNanoseconds, peakRssBytes, timedGet } from './exporter-probe.js';
import { BENCH_ACCOUNT, filledDaemon } from './fill.js';

/** How per-torrent series are configured in a row. */
export type SeriesMode = 'per-torrent' | 'aggregates only' | 'capped' | 'uncapped';

export interface RowSpec {
  readonly torrents: number;
  readonly series: SeriesMode;
}

export interface RowResult extends RowSpec {
  readonly daemonMedianMs: number;
  readonly daemonP95Ms: number;
  /** CPU time of deluged answering the bundle (bare client). */
  readonly daemonCpuMedianMs: number;
  readonly scrapeMedianMs: number;
  readonly scrapeP95Ms: number;
  readonly cpuMedianMs: number;
  readonly peakRssBytes: number;
  readonly expositionBytes: number;
}

export interface RealBenchOptions {
  readonly rows: readonly RowSpec[];
  readonly runs: number;
  readonly warmups: number;
  readonly cacheRoot: string;
  readonly builtCli: string;
  readonly progress: (line: string) => void;
}

/** The default cap of per-torrent series (`per_torrent.max_torrents`). */
const DEFAULT_CAP = 2000;

function perTorrentSection(spec: RowSpec): Record<string, unknown> {
  switch (spec.series) {
    case 'per-torrent':
    case 'capped':
      return {};
    case 'aggregates only':
      return { enabled: false };
    case 'uncapped':
      return { max_torrents: Math.max(spec.torrents, DEFAULT_CAP) };
  }
}

function configYaml(daemon: DaemonHandle, spec: RowSpec): string {
  // JSON is YAML.
  return JSON.stringify({
    daemons: [{ name: 'bench', host: daemon.host, port: daemon.port, ...BENCH_ACCOUNT, timeout_seconds: 120 }],
    per_torrent: perTorrentSection(spec),
    max_frame_bytes: 1024 * 1024 * 1024,
  });
}

async function benchRow(daemon: DaemonHandle, spec: RowSpec, options: RealBenchOptions): Promise<RowResult> {
  const yaml = configYaml(daemon, spec);
  const bundles = await steadyStateBundles(yaml);
  const bare = await BareClient.connect(daemon.host, daemon.port, BENCH_ACCOUNT.username, BENCH_ACCOUNT.password);
  const exporter = await startExporter({ configYaml: yaml, builtCli: options.builtCli });
  try {
    for (const bundle of bundles) await checkBundleAnswered(bare, bundle);
    const frames = bundles.map((bundle) => ({ frame: bundleFrame(bundle), answers: bundle.length }));
    const pid = exporter.pid;
    const daemonPid = daemon.pid;
    if (pid === undefined || daemonPid === undefined) throw new Error('exporter or daemon process has no pid');
    const url = `${exporter.url}/metrics`;
    const timeDaemon = async (): Promise<{ ms: number; cpuMs: number }> => {
      const cpuBefore = cpuNanoseconds(daemonPid);
      let ms = 0;
      for (const { frame, answers } of frames) ms += await bare.timeAnswers(frame, answers);
      return { ms, cpuMs: (cpuNanoseconds(daemonPid) - cpuBefore) / 1e6 };
    };
    let expositionBytes = 0;
    const timeExporter = async (): Promise<{ ms: number; cpuMs: number }> => {
      const cpuBefore = cpuNanoseconds(pid);
      const { ms, bytes } = await timedGet(url);
      expositionBytes = bytes;
      return { ms, cpuMs: (cpuNanoseconds(pid) - cpuBefore) / 1e6 };
    };
    for (let i = 0; i < options.warmups; i++) {
      await timeDaemon();
      await timeExporter();
    }
    const daemonMs: number[] = [];
    const daemonCpuMs: number[] = [];
    const scrapeMs: number[] = [];
    const cpuMs: number[] = [];
    const recordDaemon = async (): Promise<void> => {
      const answer = await timeDaemon();
      daemonMs.push(answer.ms);
      daemonCpuMs.push(answer.cpuMs);
    };
    for (let run = 0; run < options.runs; run++) {
      // Alternating order, so a slow phase of the shared machine does not always hit the same side.
      if (run % 2 === 0) await recordDaemon();
      const scrape = await timeExporter();
      scrapeMs.push(scrape.ms);
      cpuMs.push(scrape.cpuMs);
      if (run % 2 === 1) await recordDaemon();
    }
    return {
      ...spec,
      daemonMedianMs: median(daemonMs),
      daemonP95Ms: quantile(daemonMs, 0.95),
      daemonCpuMedianMs: median(daemonCpuMs),
      scrapeMedianMs: median(scrapeMs),
      scrapeP95Ms: quantile(scrapeMs, 0.95),
      cpuMedianMs: median(cpuMs),
      peakRssBytes: peakRssBytes(pid),
      expositionBytes,
    };
  } finally {
    bare.close();
    await exporter.stop();
  }
}

/** Runs every row, one daemon size at a time (started, used for all its rows, stopped). */
export async function benchAgainstRealDaemon(options: RealBenchOptions): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const sizes = [...new Set(options.rows.map((row) => row.torrents))];
  for (const torrents of sizes) {
    options.progress(`real deluged with ${torrents} torrents`);
    const daemon = await filledDaemon(options.cacheRoot, torrents, options.progress);
    try {
      for (const spec of options.rows.filter((row) => row.torrents === torrents)) {
        options.progress(`scrape vs daemon: ${torrents} torrents, ${spec.series}`);
        results.push(await benchRow(daemon, spec, options));
      }
    } finally {
      await daemon.stop();
    }
  }
  return results;
}

/** The Markdown table of `results`. */
export function realDaemonTable(results: readonly RowResult[]): string[] {
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const lines = [
    '| torrents | series | daemon answer, wall (median / p95) | exporter scrape, wall (median / p95) | ratio, wall | daemon CPU | exporter CPU | ratio, CPU | exporter peak RSS | exposition |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of results) {
    const cells = [
      row.torrents,
      row.series,
      `${ms(row.daemonMedianMs)} / ${ms(row.daemonP95Ms)}`,
      `${ms(row.scrapeMedianMs)} / ${ms(row.scrapeP95Ms)}`,
      `${(row.scrapeMedianMs / row.daemonMedianMs).toFixed(2)}×`,
      ms(row.daemonCpuMedianMs),
      ms(row.cpuMedianMs),
      `${((row.daemonCpuMedianMs + row.cpuMedianMs) / row.daemonCpuMedianMs).toFixed(2)}×`,
      formatBytes(row.peakRssBytes),
      formatBytes(row.expositionBytes),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}
