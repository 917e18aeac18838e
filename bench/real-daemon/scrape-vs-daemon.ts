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
import { type ExporterHandle, startExporter } from '../../test/support/exporter-process.js';
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
  /** Label of the exporter build (see {@link ExporterBuild}). */
  readonly exporter: string;
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

/** A built exporter (`dist/cli.js` of some commit) and how the tables name it. */
export interface ExporterBuild {
  readonly label: string;
  readonly cli: string;
  /** Extra environment of its process (e.g. the image's NODE_OPTIONS). */
  readonly env?: Readonly<Record<string, string>>;
  /** The `node` binary that runs it (default: the bench's own). */
  readonly node?: string;
}

export interface RealBenchOptions {
  readonly rows: readonly RowSpec[];
  readonly runs: number;
  readonly warmups: number;
  readonly cacheRoot: string;
  /** Builds timed side by side in the same runs (e.g. before and after a change). */
  readonly exporters: readonly ExporterBuild[];
  /** Ask for gzip answers, as Prometheus does. */
  readonly gzip: boolean;
  readonly progress: (line: string) => void;
}

/** `startExporter`'s `node` option of `build`, when it names one. */
export function nodeOf(build: ExporterBuild): { node?: string } {
  return build.node === undefined ? {} : { node: build.node };
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

/** The exporter config of a row: the bench account on `daemon`, the row's per-torrent series. */
export function rowConfigYaml(daemon: DaemonHandle, spec: RowSpec): string {
  // JSON is YAML.
  return JSON.stringify({
    daemons: [{ name: 'bench', host: daemon.host, port: daemon.port, ...BENCH_ACCOUNT, timeout_seconds: 120 }],
    per_torrent: perTorrentSection(spec),
    max_frame_bytes: 1024 * 1024 * 1024,
  });
}

interface Timing {
  readonly ms: number;
  readonly cpuMs: number;
}

/** Samples of one side of a row: the daemon, or one exporter build. */
class Side {
  readonly wallMs: number[] = [];
  readonly cpuMs: number[] = [];
  expositionBytes = 0;

  constructor(readonly time: () => Promise<Timing & { bytes?: number }>) {}

  async measure(record: boolean): Promise<void> {
    const timing = await this.time();
    if (!record) return;
    this.wallMs.push(timing.ms);
    this.cpuMs.push(timing.cpuMs);
    this.expositionBytes = timing.bytes ?? 0;
  }
}

async function benchRow(daemon: DaemonHandle, spec: RowSpec, options: RealBenchOptions): Promise<RowResult[]> {
  const yaml = rowConfigYaml(daemon, spec);
  const bundles = await steadyStateBundles(yaml);
  const bare = await BareClient.connect(daemon.host, daemon.port, BENCH_ACCOUNT.username, BENCH_ACCOUNT.password);
  const exporters: ExporterHandle[] = [];
  try {
    for (const build of options.exporters)
      exporters.push(
        await startExporter({ configYaml: yaml, builtCli: build.cli, env: build.env ?? {}, ...nodeOf(build) }),
      );
    for (const bundle of bundles) await checkBundleAnswered(bare, bundle);
    const frames = bundles.map((bundle) => ({ frame: bundleFrame(bundle), answers: bundle.length }));
    const daemonPid = daemon.pid;
    if (daemonPid === undefined) throw new Error('daemon process has no pid');
    const daemonSide = new Side(async () => {
      const cpuBefore = cpuNanoseconds(daemonPid);
      let ms = 0;
      for (const { frame, answers } of frames) ms += await bare.timeAnswers(frame, answers);
      return { ms, cpuMs: (cpuNanoseconds(daemonPid) - cpuBefore) / 1e6 };
    });
    const exporterSides = exporters.map((exporter) => {
      const pid = exporter.pid;
      if (pid === undefined) throw new Error('exporter process has no pid');
      return new Side(async () => {
        const cpuBefore = cpuNanoseconds(pid);
        const { ms, bytes } = await timedGet(`${exporter.url}/metrics`, { gzip: options.gzip });
        return { ms, bytes, cpuMs: (cpuNanoseconds(pid) - cpuBefore) / 1e6 };
      });
    });
    const sides = [daemonSide, ...exporterSides];
    for (let run = -options.warmups; run < options.runs; run++) {
      // A rotating order, so a slow phase of the shared machine does not always hit the same side.
      const first = ((run % sides.length) + sides.length) % sides.length;
      for (let offset = 0; offset < sides.length; offset++) {
        await sides[(first + offset) % sides.length]?.measure(run >= 0);
      }
    }
    return exporterSides.map((side, index) => ({
      ...spec,
      exporter: options.exporters[index]?.label ?? '',
      daemonMedianMs: median(daemonSide.wallMs),
      daemonP95Ms: quantile(daemonSide.wallMs, 0.95),
      daemonCpuMedianMs: median(daemonSide.cpuMs),
      scrapeMedianMs: median(side.wallMs),
      scrapeP95Ms: quantile(side.wallMs, 0.95),
      cpuMedianMs: median(side.cpuMs),
      peakRssBytes: peakRssBytes(exporters[index]?.pid as number),
      expositionBytes: side.expositionBytes,
    }));
  } finally {
    bare.close();
    await Promise.all(exporters.map((exporter) => exporter.stop()));
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
        results.push(...(await benchRow(daemon, spec, options)));
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
  const builds = new Set(results.map((row) => row.exporter)).size > 1;
  const lines = [
    '| torrents | series |' +
      (builds ? ' exporter |' : '') +
      ' daemon answer, wall (median / p95) | exporter scrape, wall (median / p95) | ratio, wall | daemon CPU | exporter CPU | ratio, CPU | exporter peak RSS | exposition |',
    `| --- | --- |${builds ? ' --- |' : ''} --- | --- | --- | --- | --- | --- | --- | --- |`,
  ];
  for (const row of results) {
    const cells = [
      row.torrents,
      row.series,
      ...(builds ? [row.exporter] : []),
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
