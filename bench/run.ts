/**
 * Benchmarks, run with `npm run bench` (options: `--torrents 1000,10000,100000 --runs 5`).
 *
 * 1. rencode decode of a realistic `core.get_torrents_status` answer: this project's decoder against
 *    the reference implementation Deluge itself runs (Debian's python3-rencode, Cython), same bytes,
 *    same machine, same run.
 * 2. A whole `/metrics` scrape (bundle over TLS to a protocol-level fake daemon, decode, derive,
 *    render the exposition text) for the same torrent counts, with the default per-torrent cap and
 *    with per-torrent series uncapped, plus the process's peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { renderFamilies } from '../src/collector/exposition.js';
import { createScraper } from '../src/collector/scraper.js';
import { loadConfig } from '../src/config/load.js';
import { ExporterMetrics } from '../src/exporter-metrics.js';
import { createLogger } from '../src/logger.js';
import { decode, encode } from '../src/rpc/rencode.js';
import { PreEncoded, startFakeDaemon } from '../test/support/fake-daemon.js';
import { torrentsStatusAnswer } from './payload.js';

const PYTHON = '/usr/bin/python3';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '1000,10000,100000' },
    runs: { type: 'string', default: '5' },
  },
});
const counts = values.torrents.split(',').map((text) => {
  const count = Number(text);
  if (!Number.isInteger(count) || count <= 0) throw new Error(`--torrents: not a positive integer: "${text}"`);
  return count;
});
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs: not a positive integer: "${values.runs}"`);

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function timeMs(work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function timeMsAsync(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Median milliseconds of `rencode.loads(data, decode_utf8=True)` in the reference implementation. */
function pythonDecodeMs(bytes: Buffer): number {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-bench-'));
  try {
    const file = join(dir, 'payload.bin');
    writeFileSync(file, bytes);
    const script = [
      'import rencode, sys, time',
      'data = open(sys.argv[1], "rb").read()',
      'samples = []',
      'rencode.loads(data, decode_utf8=True)',
      'for _ in range(int(sys.argv[2])):',
      '    t = time.perf_counter(); rencode.loads(data, decode_utf8=True); samples.append(time.perf_counter() - t)',
      'samples.sort(); print(samples[len(samples) // 2] * 1000)',
    ].join('\n');
    return Number(execFileSync(PYTHON, ['-c', script, file, String(runs)], { encoding: 'utf8' }).trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function benchCodec(count: number): string {
  const bytes = encode(torrentsStatusAnswer(count));
  decode(bytes);
  const ours = median(Array.from({ length: runs }, () => timeMs(() => decode(bytes))));
  const reference = pythonDecodeMs(bytes);
  return `| ${count} | ${(bytes.length / 1e6).toFixed(1)} MB | ${ours.toFixed(1)} ms | ${reference.toFixed(1)} ms | ${(reference / ours).toFixed(2)}× |`;
}

async function benchScrape(count: number, maxTorrents: number): Promise<string> {
  const torrents = new PreEncoded(torrentsStatusAnswer(count));
  const daemon = await startFakeDaemon({
    record: false,
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1, 'net.sent_bytes': 1, payload_download_rate: 0 }),
      'core.get_torrents_status': () => torrents,
      'core.get_config_values': () => ({ download_location: '/data/downloads/0', move_completed: false }),
      'core.get_enabled_plugins': () => ['Label'],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 1e12,
    },
  });
  const yaml = [
    'daemons:',
    '  - name: bench',
    `    port: ${daemon.port}`,
    '    username: admin',
    '    password: admin-secret',
    '    timeout_seconds: 300',
    'per_torrent:',
    `  max_torrents: ${maxTorrents}`,
    'max_frame_bytes: 1073741824',
  ].join('\n');
  const config = loadConfig({
    argvConfigPath: 'bench.yaml',
    env: {},
    readFile: () => yaml,
    homedir: tmpdir(),
    platform: process.platform,
  });
  const scraper = createScraper({
    config,
    logger: createLogger({ level: 'error' }),
    exporterMetrics: new ExporterMetrics({ defaultMetrics: false }),
  });
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 5);
  try {
    let bytes = 0;
    const scrapeOnce = async (): Promise<void> => {
      bytes = (await renderFamilies(await scraper.scrape({}))).length;
    };
    await scrapeOnce();
    const samples: number[] = [];
    for (let i = 0; i < runs; i++) samples.push(await timeMsAsync(scrapeOnce));
    const series = maxTorrents >= count ? 'all' : 'capped';
    return `| ${count} | ${series} | ${median(samples).toFixed(0)} ms | ${(bytes / 1e6).toFixed(1)} MB | ${(peakRss / 2 ** 20).toFixed(0)} MiB |`;
  } finally {
    clearInterval(sampler);
    await scraper.close();
    await daemon.close();
  }
}

const lines: string[] = [
  `deluge-exporter benchmarks: node ${process.version}, ${runs} runs each, medians`,
  '',
  'rencode decode of a core.get_torrents_status answer (this project vs python3-rencode, the Cython codec Deluge runs)',
  '',
  '| torrents | payload | ours | python3-rencode | speed-up |',
  '| --- | --- | --- | --- | --- |',
];
for (const count of counts) {
  progress(`codec, ${count} torrents`);
  lines.push(benchCodec(count));
}
lines.push(
  '',
  'whole scrape: bundle over TLS to the fake daemon, decode, derive, render the exposition text',
  '',
  '| torrents | per-torrent series | scrape | exposition | peak RSS |',
  '| --- | --- | --- | --- | --- |',
);
for (const count of counts) {
  progress(`scrape, ${count} torrents, default cap`);
  lines.push(await benchScrape(count, 2000));
  if (count > 2000 && count <= 10_000) {
    progress(`scrape, ${count} torrents, uncapped`);
    lines.push(await benchScrape(count, count));
  }
}
process.stdout.write(`${lines.join('\n')}\n`);
