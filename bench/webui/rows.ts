/**
 * What scraping through the Web UI costs, side by side with the daemon port: per torrent count, a real
 * `deluged` 2.0.3 filled with that many torrents (bench/real-daemon/fill.ts) and a real `deluge-web`
 * 2.0.3 in front of it, connected to it; every contender runs as its own process and all are scraped
 * in turn (rotating order, so a slow phase of the shared machine does not always hit the same one).
 * Per scrape: wall time until the last byte, CPU of deluge-web and of deluged (all threads, from
 * /proc, medians), the exporter's CPU as the mean over the measured scrapes of its /proc/<pid>/stat
 * times (10 ms ticks, but threads that ended count: ngosang's Python serves each scrape on a new
 * thread), and the exporter's peak RSS at the end.
 */
import type { DaemonHandle } from '../../test/harness/daemon.js';
import { type DelugeWebHandle, hostOf, startDelugeWeb } from '../../test/harness/deluge-web.js';
import { startExporter } from '../../test/support/exporter-process.js';
import { cpuNanoseconds, cpuTicksMs, peakRssBytes, timedGet } from '../real-daemon/exporter-probe.js';
import { BENCH_ACCOUNT, filledDaemon } from '../real-daemon/fill.js';
import { formatBytes, median, quantile } from '../stats.js';
import { startNgosang } from './ngosang.js';

export interface WebUiBenchOptions {
  readonly sizes: readonly number[];
  readonly runs: number;
  readonly warmups: number;
  readonly cacheRoot: string;
  /** This tree's built `cli.js`. */
  readonly cli: string;
  /** A checkout of ngosang/deluge-exporter (bench/webui/ngosang.ts); its rows are left out without it. */
  readonly ngosangDir: string | undefined;
  readonly gzip: boolean;
  readonly progress: (line: string) => void;
}

export interface WebUiRowResult {
  readonly torrents: number;
  readonly contender: string;
  readonly wallMedianMs: number;
  readonly wallP95Ms: number;
  /** Mean over the measured scrapes. */
  readonly exporterCpuMs: number;
  readonly webCpuMs: number;
  readonly daemonCpuMs: number;
  readonly peakRssBytes: number;
  readonly expositionBytes: number;
}

/** One running exporter process of a row. */
interface Running {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<unknown>;
}

interface Contender {
  readonly label: string;
  /** What a successful scrape holds, so failing scrapes are never timed. */
  readonly healthy: RegExp;
  start(daemon: DaemonHandle, web: DelugeWebHandle): Promise<Running>;
}

type Way = 'daemon port' | 'Web UI';
type Series = 'aggregates only' | 'per-torrent (default cap)';

/** deluge-exporter through the daemon port or through the Web UI, with aggregates only or the default per-torrent series. */
function ourContender(cli: string, way: Way, series: Series): Contender {
  return {
    label: `deluge-exporter, ${way}, ${series}`,
    healthy: /^deluge_up\{daemon="bench"\} 1$/m,
    async start(daemon, web) {
      const entry =
        way === 'daemon port'
          ? { host: daemon.host, port: daemon.port, ...BENCH_ACCOUNT }
          : { web: { url: web.url, password: web.password } };
      const configYaml = JSON.stringify({
        daemons: [{ name: 'bench', ...entry, timeout_seconds: 120 }],
        per_torrent: series === 'aggregates only' ? { enabled: false } : {},
        max_frame_bytes: 1024 * 1024 * 1024,
      });
      const exporter = await startExporter({ configYaml, builtCli: cli });
      if (exporter.pid === undefined) throw new Error('exporter process has no pid');
      return { url: exporter.url, pid: exporter.pid, stop: () => exporter.stop() };
    },
  };
}

function contenders(options: WebUiBenchOptions): Contender[] {
  const ngosangDir = options.ngosangDir;
  const ways: readonly Way[] = ['daemon port', 'Web UI'];
  const series: readonly Series[] = ['aggregates only', 'per-torrent (default cap)'];
  return [
    ...series.flatMap((one) => ways.map((way) => ourContender(options.cli, way, one))),
    ...(ngosangDir === undefined
      ? []
      : [
          {
            label: 'ngosang/deluge-exporter 1.0.2 (Web UI)',
            healthy: /^deluge_torrent_state_count\{state="all"\} [1-9]/m,
            start: (_: DaemonHandle, web: DelugeWebHandle) => startNgosang(ngosangDir, web),
          },
        ]),
  ];
}

/** Samples of one contender. */
class Samples {
  readonly wallMs: number[] = [];
  readonly exporterCpuMs: number[] = [];
  readonly webCpuMs: number[] = [];
  readonly daemonCpuMs: number[] = [];
  expositionBytes = 0;
}

async function scrapeOnce(
  running: Running,
  pids: { readonly web: number; readonly daemon: number },
  gzip: boolean,
  into: Samples | undefined,
): Promise<void> {
  const before = [cpuTicksMs(running.pid), cpuNanoseconds(pids.web) / 1e6, cpuNanoseconds(pids.daemon) / 1e6];
  const { ms, bytes } = await timedGet(`${running.url}/metrics`, { gzip });
  const after = [cpuTicksMs(running.pid), cpuNanoseconds(pids.web) / 1e6, cpuNanoseconds(pids.daemon) / 1e6];
  if (into === undefined) return;
  const delta = (index: number) => (after[index] ?? 0) - (before[index] ?? 0);
  into.wallMs.push(ms);
  into.exporterCpuMs.push(delta(0));
  into.webCpuMs.push(delta(1));
  into.daemonCpuMs.push(delta(2));
  into.expositionBytes = bytes;
}

async function benchSize(torrents: number, options: WebUiBenchOptions): Promise<WebUiRowResult[]> {
  const daemon = await filledDaemon(options.cacheRoot, torrents, options.progress);
  const host = hostOf(daemon, BENCH_ACCOUNT);
  const running: Running[] = [];
  let web: DelugeWebHandle | undefined;
  try {
    web = await startDelugeWeb({ hosts: [host], connectTo: host.id });
    const pids = { web: web.pid ?? 0, daemon: daemon.pid ?? 0 };
    if (pids.web === 0 || pids.daemon === 0) throw new Error('deluge-web or deluged has no pid');
    const list = contenders(options);
    for (const contender of list) {
      const started = await contender.start(daemon, web);
      running.push(started);
      const { body = '' } = await timedGet(`${started.url}/metrics`, { keepBody: true });
      if (!contender.healthy.test(body)) {
        throw new Error(`${contender.label}: its first scrape is not a successful one:\n${body.slice(0, 2000)}`);
      }
    }
    const samples = list.map(() => new Samples());
    for (let run = -options.warmups; run < options.runs; run++) {
      const first = ((run % list.length) + list.length) % list.length;
      for (let offset = 0; offset < list.length; offset++) {
        const index = (first + offset) % list.length;
        await scrapeOnce(running[index] as Running, pids, options.gzip, run >= 0 ? samples[index] : undefined);
      }
    }
    return list.map((contender, index) => {
      const of = samples[index] as Samples;
      return {
        torrents,
        contender: contender.label,
        wallMedianMs: median(of.wallMs),
        wallP95Ms: quantile(of.wallMs, 0.95),
        exporterCpuMs: of.exporterCpuMs.reduce((sum, value) => sum + value, 0) / of.exporterCpuMs.length,
        webCpuMs: median(of.webCpuMs),
        daemonCpuMs: median(of.daemonCpuMs),
        peakRssBytes: peakRssBytes((running[index] as Running).pid),
        expositionBytes: of.expositionBytes,
      };
    });
  } finally {
    await Promise.all(running.map((process) => process.stop()));
    await web?.kill();
    await daemon.stop();
  }
}

/** Every size in turn: fill (or reuse) the daemon, start deluge-web and the contenders, scrape. */
export async function benchThroughWebUi(options: WebUiBenchOptions): Promise<WebUiRowResult[]> {
  const results: WebUiRowResult[] = [];
  for (const torrents of options.sizes) {
    options.progress(`Web UI rows: ${torrents} torrents`);
    results.push(...(await benchSize(torrents, options)));
  }
  return results;
}

/** The Markdown table of `results`. */
export function webUiTable(results: readonly WebUiRowResult[]): string[] {
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const lines = [
    '| torrents | exporter | scrape, wall (median / p95) | exporter CPU (mean) | deluge-web CPU | deluged CPU | exporter peak RSS | exposition |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of results) {
    const cells = [
      row.torrents,
      row.contender,
      `${ms(row.wallMedianMs)} / ${ms(row.wallP95Ms)}`,
      ms(row.exporterCpuMs),
      ms(row.webCpuMs),
      ms(row.daemonCpuMs),
      formatBytes(row.peakRssBytes),
      formatBytes(row.expositionBytes),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines;
}
