/**
 * `npm run soak [-- --scrapes N --torrents T --concurrent C]`: the exporter under a long, steady load.
 *
 * 1. N (default 10,000) sequential `GET /metrics` of the real app against a fake daemon with T
 *    (default 1,000) torrents in its own process. Every N/100 scrapes, after a full GC, the live JS
 *    heap, RSS and open file descriptors are sampled. After the warm-up (the first N/10 scrapes) the
 *    live heap and RSS must be flat within 10 % (the least-squares line through the samples rises by
 *    at most 10 % from the first to the last; see soak-trend.ts) and the open file descriptors never
 *    exceed the first sample by more than 10 %. Nothing may be logged at warning or above.
 * 2. C (default 200) concurrent `GET /metrics` while the daemon takes 1 s per status bundle: all 200,
 *    and the daemon sees one status bundle at a time (the scrapes join the one in flight).
 *
 * The app runs in this process, so this script keeps nothing per scrape (log lines are checked and
 * dropped, bodies are not kept). Prints the measurements; exits 1 when a bound is broken. Results go
 * in docs/reliability.md.
 */
// The V8 memory defaults every start path of the exporter applies (src/cli.ts imports it first too).
import '../src/cli/apply-memory-defaults.js';
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { configFromYaml } from '../test/support/config.js';
import { startExporterApp } from '../test/support/exporter-app.js';
import { startFakeDaemon } from '../test/support/fake-daemon.js';
import { growthOverRun, type Sample } from './soak-trend.js';

const { values } = parseArgs({
  options: {
    scrapes: { type: 'string', default: '10000' },
    torrents: { type: 'string', default: '1000' },
    concurrent: { type: 'string', default: '200' },
  },
});
const scrapes = Number(values.scrapes);
const torrentCount = Number(values.torrents);
const concurrent = Number(values.concurrent);
const FLAT_WITHIN = 0.1;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const failures: string[] = [];
const check = (ok: boolean, what: string) => {
  process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${what}\n`);
  if (!ok) failures.push(what);
};

function configFor(port: number) {
  return configFromYaml(
    ['daemons:', '  - name: soak', `    port: ${port}`, '    username: admin', '    password: admin-secret'].join('\n'),
  );
}

/** The fake daemon of the benchmarks, in its own process so its memory is not counted here. */
async function startDaemonProcess(torrents: number) {
  const script = join(import.meta.dirname, '..', 'bench', 'fake-daemon-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(torrents)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const [line] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value]);
  const { port } = JSON.parse(String(line)) as { port: number };
  return { port, stop: () => child.stdin.end() };
}

const MiB = 2 ** 20;
const openFds = () => readdirSync('/proc/self/fd').length;
const cpuSeconds = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};
/** pino's level number for `warn`. */
const WARN_LEVEL = 40;

interface Measurement {
  readonly scrape: number;
  readonly rss: number;
  readonly heapUsed: number;
  readonly heapTotal: number;
  readonly external: number;
  readonly fds: number;
}

/** Memory after a full GC: what the process still holds once everything unreachable is gone. */
function measure(scrape: number): Measurement {
  gc();
  const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
  return {
    scrape,
    rss: rss / MiB,
    heapUsed: heapUsed / MiB,
    heapTotal: heapTotal / MiB,
    external: external / MiB,
    fds: openFds(),
  };
}

function checkFlat(name: string, samples: readonly Measurement[], value: (m: Measurement) => number): void {
  const growth = growthOverRun(samples.map((m): Sample => ({ at: m.scrape, value: value(m) })));
  const values = samples.map(value);
  check(
    growth.relative <= FLAT_WITHIN,
    `${name} flat within 10 %: trend ${growth.start.toFixed(1)} → ${growth.end.toFixed(1)} MiB ` +
      `(${(growth.relative * 100).toFixed(1)} %); samples first ${values[0]?.toFixed(1)}, last ${values.at(-1)?.toFixed(1)}, ` +
      `min ${Math.min(...values).toFixed(1)}, max ${Math.max(...values).toFixed(1)} MiB`,
  );
}

/** One `GET /metrics`, in its own frame so that nothing of the answer is still referenced when memory is sampled. */
async function scrapeOk(url: string): Promise<boolean> {
  const response = await fetch(url);
  const body = await response.text();
  return response.status === 200 && body.includes('deluge_up{daemon="soak"} 1');
}

async function steadyScrapes(): Promise<void> {
  const daemon = await startDaemonProcess(torrentCount);
  const app = await startExporterApp(configFor(daemon.port));
  const url = `${app.baseUrl}/metrics`;
  const sampleEvery = Math.max(1, Math.floor(scrapes / 100));
  const warmUp = Math.floor(scrapes / 10);
  const samples: Measurement[] = [];
  const started = process.hrtime.bigint();
  let notOk = 0;
  let loud = 0;
  process.stdout.write('scrape  RSS  heap used  heap total  external (MiB, after a full GC)  fds  CPU s\n');
  for (let scrape = 1; scrape <= scrapes; scrape++) {
    if (!(await scrapeOk(url))) notOk += 1;
    loud += app.logLines.filter((line) => Number(line.level) >= WARN_LEVEL).length;
    app.logLines.length = 0;
    if (scrape % sampleEvery === 0) {
      const m = measure(scrape);
      if (scrape > warmUp) samples.push(m);
      process.stdout.write(
        `${scrape}${scrape > warmUp ? '' : ' (warm-up)'}: ${m.rss.toFixed(1)} ${m.heapUsed.toFixed(1)} ${m.heapTotal.toFixed(1)} ` +
          `${m.external.toFixed(1)} ${m.fds} ${cpuSeconds().toFixed(0)}\n`,
      );
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  await app.close();
  daemon.stop();
  const [first] = samples;
  if (first === undefined || samples.length < 2) throw new Error('too few samples after the warm-up: raise --scrapes');
  const maxFds = Math.max(...samples.map((s) => s.fds));
  process.stdout.write(
    `${scrapes} scrapes of ${torrentCount} torrents in ${seconds.toFixed(0)} s (${((seconds / scrapes) * 1000).toFixed(1)} ms each); ` +
      `${samples.length} samples after a warm-up of ${warmUp} scrapes\n`,
  );
  check(notOk === 0, `every scrape 200 with deluge_up 1 (${scrapes - notOk}/${scrapes})`);
  check(loud === 0, `no warning or error logged (${loud})`);
  checkFlat('live heap after GC', samples, (m) => m.heapUsed);
  checkFlat('RSS after GC', samples, (m) => m.rss);
  check(maxFds <= first.fds * (1 + FLAT_WITHIN), `open fds flat within 10 %: ${first.fds} → max ${maxFds}`);
}

async function concurrentScrapes(): Promise<void> {
  let outstanding = 0;
  let mostOutstanding = 0;
  let bundles = 0;
  const daemon = await startFakeDaemon({
    record: false,
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1 }),
      'core.get_torrents_status': async () => {
        bundles += 1;
        outstanding += 1;
        mostOutstanding = Math.max(mostOutstanding, outstanding);
        await new Promise((resolve) => setTimeout(resolve, 1000));
        outstanding -= 1;
        return {};
      },
      'core.get_config_values': () => ({}),
      'core.get_enabled_plugins': () => [],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 1e12,
    },
  });
  const app = await startExporterApp(configFor(daemon.port));
  const url = `${app.baseUrl}/metrics`;
  await fetch(url); // connect and log in first
  const before = bundles;
  const statuses = await Promise.all(Array.from({ length: concurrent }, () => fetch(url).then((r) => r.status)));
  await app.close();
  await daemon.close();
  check(
    statuses.every((status) => status === 200),
    `${concurrent} concurrent /metrics all 200 (${statuses.filter((s) => s === 200).length})`,
  );
  check(
    mostOutstanding === 1,
    `at most one status bundle in flight (${mostOutstanding}); ${bundles - before} bundle(s) for ${concurrent} scrapes`,
  );
}

await steadyScrapes();
await concurrentScrapes();
process.exit(failures.length === 0 ? 0 : 1);
