/**
 * Benchmarks, run with `npm run bench` (options: `--torrents 1000,10000,100000 --runs 5`).
 *
 * 1. rencode decode and encode of a realistic `core.get_torrents_status` answer: this project's codec
 *    against the reference implementation Deluge itself runs (Debian's python3-rencode, Cython), same
 *    bytes, same machine, same run, each side in a fresh process (bench/codec-process.ts).
 * 2. A whole `/metrics` scrape (bundle over TLS to a protocol-level fake daemon, decode, derive,
 *    render the exposition text) for the same torrent counts, with the default per-torrent cap and
 *    with per-torrent series uncapped, plus the process's peak RSS. The fake daemon runs in its own
 *    process (bench/fake-daemon-process.ts), so its work is not charged to the exporter's CPU time;
 *    its answer time (deflating the answer) is still part of the wall-clock scrape time.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { renderFamilies } from '../src/collector/exposition.js';
import { createScraper } from '../src/collector/scraper.js';
import { loadConfig } from '../src/config/load.js';
import { ExporterMetrics } from '../src/exporter-metrics.js';
import { createLogger } from '../src/logger.js';
import { encode } from '../src/rpc/rencode.js';
import { torrentsStatusAnswer } from './payload.js';
import { median, positiveInteger } from './stats.js';

/** Byte counts as kB below one megabyte, MB above. */
function formatBytes(bytes: number): string {
  return bytes < 1e6 ? `${(bytes / 1e3).toFixed(1)} kB` : `${(bytes / 1e6).toFixed(1)} MB`;
}

const PYTHON = '/usr/bin/python3';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '1000,10000,100000' },
    runs: { type: 'string', default: '5' },
  },
});
const counts = values.torrents.split(',').map((text) => positiveInteger('--torrents', text));
const runs = positiveInteger('--runs', values.runs);

function progress(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

/** Wall-clock and this process's CPU (user + system) milliseconds that `work` takes. */
async function timeWallAndCpu(work: () => Promise<unknown>): Promise<{ wallMs: number; cpuMs: number }> {
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  await work();
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const cpu = process.cpuUsage(cpuBefore);
  return { wallMs, cpuMs: (cpu.user + cpu.system) / 1000 };
}

/** A fake daemon serving `count` torrents in a child process, and the port it listens on. */
async function startDaemonProcess(count: number): Promise<{ child: ChildProcess; port: number }> {
  const script = join(import.meta.dirname, 'fake-daemon-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(count)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`fake daemon process exited early with code ${code}`)));
  });
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { port } = JSON.parse(await Promise.race([firstLine, exited])) as { port: number };
  return { child, port };
}

async function stopDaemonProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  await exited;
}

interface CodecTimes {
  decodeMs: number;
  encodeMs: number;
}

/**
 * Median milliseconds of `rencode.loads(data, decode_utf8=True)` and of `rencode.dumps` of its result
 * in the reference implementation, in a fresh Python process.
 */
function pythonCodecMs(bytes: Buffer): CodecTimes {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-bench-'));
  try {
    const file = join(dir, 'payload.bin');
    writeFileSync(file, bytes);
    const script = [
      'import json, rencode, sys, time',
      'data = open(sys.argv[1], "rb").read()',
      'runs = int(sys.argv[2])',
      'value = rencode.loads(data, decode_utf8=True)',
      'def median(work):',
      '    samples = []',
      '    for _ in range(runs):',
      '        t = time.perf_counter(); work(); samples.append(time.perf_counter() - t)',
      '    samples.sort(); return samples[len(samples) // 2] * 1000',
      'decode_ms = median(lambda: rencode.loads(data, decode_utf8=True))',
      'encode_ms = median(lambda: rencode.dumps(value))',
      'print(json.dumps({"decodeMs": decode_ms, "encodeMs": encode_ms}))',
    ].join('\n');
    return JSON.parse(execFileSync(PYTHON, ['-c', script, file, String(runs)], { encoding: 'utf8' })) as CodecTimes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** This project's codec times in a fresh Node process (bench/codec-process.ts), checked to be on `bytes`. */
function ourCodecMs(count: number, bytes: Buffer): CodecTimes {
  const script = join(import.meta.dirname, 'codec-process.ts');
  const output = execFileSync(
    process.execPath,
    ['--import', 'tsx', script, '--torrents', String(count), '--runs', String(runs)],
    { encoding: 'utf8' },
  );
  const result = JSON.parse(output) as CodecTimes & { sha256: string };
  if (result.sha256 !== createHash('sha256').update(bytes).digest('hex')) {
    throw new Error(`codec process for ${count} torrents encoded different bytes than the reference is timed on`);
  }
  return result;
}

function benchCodec(count: number): string {
  const bytes = encode(torrentsStatusAnswer(count));
  const ours = ourCodecMs(count, bytes);
  const reference = pythonCodecMs(bytes);
  const ms = (value: number): string => `${value.toFixed(1)} ms`;
  const ratio = (theirs: number, mine: number): string => `${(theirs / mine).toFixed(2)}×`;
  const cells = [
    count,
    formatBytes(bytes.length),
    ms(ours.decodeMs),
    ms(reference.decodeMs),
    ratio(reference.decodeMs, ours.decodeMs),
    ms(ours.encodeMs),
    ms(reference.encodeMs),
    ratio(reference.encodeMs, ours.encodeMs),
  ];
  return `| ${cells.join(' | ')} |`;
}

async function benchScrape(count: number, maxTorrents: number): Promise<string> {
  const daemon = await startDaemonProcess(count);
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
    const wall: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { wallMs, cpuMs } = await timeWallAndCpu(scrapeOnce);
      wall.push(wallMs);
      cpu.push(cpuMs);
    }
    const series = maxTorrents >= count ? 'all' : 'capped';
    return `| ${count} | ${series} | ${median(wall).toFixed(0)} ms | ${median(cpu).toFixed(0)} ms | ${formatBytes(bytes)} | ${(peakRss / 2 ** 20).toFixed(0)} MiB |`;
  } finally {
    clearInterval(sampler);
    await scraper.close();
    await stopDaemonProcess(daemon.child);
  }
}

const lines: string[] = [
  `deluge-exporter benchmarks: node ${process.version}, ${runs} runs each, medians`,
  '',
  'rencode of a core.get_torrents_status answer: this project vs python3-rencode (the Cython codec Deluge runs),',
  'same bytes, each in a fresh process; decode = loads(data, decode_utf8=True), encode = dumps of the decoded value;',
  'speed-up = python3-rencode time / our time (above 1 = we are faster)',
  '',
  '| torrents | payload | decode ours | decode python3-rencode | decode speed-up | encode ours | encode python3-rencode | encode speed-up |',
  '| --- | --- | --- | --- | --- | --- | --- | --- |',
];
for (const count of counts) {
  progress(`codec, ${count} torrents`);
  lines.push(benchCodec(count));
}
lines.push(
  '',
  'whole scrape: bundle over TLS to the fake daemon (its own process), decode, derive, render the exposition text',
  '(scrape = wall clock including the daemon answering; exporter CPU = CPU time of the exporter process alone)',
  '',
  '| torrents | per-torrent series | scrape | exporter CPU | exposition | peak RSS |',
  '| --- | --- | --- | --- | --- | --- |',
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
