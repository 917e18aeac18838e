/**
 * Where a scrape's CPU or memory goes (issue 18): the built exporter profiled against the bench's
 * real deluged, summed by area of the code and by function.
 *
 *   npx tsx bench/profile.ts [--heap] [--node 26] [--torrents 2000] [--series per-torrent] [--scrapes 30]
 *
 * CPU (default): `node --cpu-prof`, self time; shares are of busy time (idle left out), start-up
 * included once. `--heap`: V8's sampling heap profiler over start-up and the scrapes, every
 * allocation counted where it was made, also of objects a GC collected since (what a scrape costs
 * the garbage collector); an allocation in Node.js or a builtin is counted for the exporter's or a
 * dependency's function that called it. Needs `npm run build`; the profile
 * (`.cpuprofile` or `.heapprofile`, for Chrome's DevTools) stays in a temp directory whose path is printed.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startExporter } from '../test/support/exporter-process.js';
import { timedGet } from './real-daemon/exporter-probe.js';
import { filledDaemon } from './real-daemon/fill.js';
import { rowConfigYaml, type SeriesMode } from './real-daemon/scrape-vs-daemon.js';
import { resolveRuntime } from './runtimes.js';
import { positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: {
    heap: { type: 'boolean', default: false },
    node: { type: 'string', default: '26' },
    torrents: { type: 'string', default: '2000' },
    series: { type: 'string', default: 'per-torrent' },
    scrapes: { type: 'string', default: '30' },
  },
});
const SERIES: Readonly<Record<string, SeriesMode>> = {
  'per-torrent': 'per-torrent',
  'aggregates-only': 'aggregates only',
  capped: 'capped',
  uncapped: 'uncapped',
};
const series = SERIES[values.series];
if (series === undefined) throw new Error(`--series: unknown series "${values.series}"`);
const torrents = positiveInteger('--torrents', values.torrents);
const scrapes = positiveInteger('--scrapes', values.scrapes);
const runtime = resolveRuntime(values.node);

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}
interface HeapNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

/** The area of the exporter a function belongs to, from its script URL. */
function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)') return 'idle';
  if (name === '(program)') return 'V8 and native';
  if (/\/rpc\/(rencode|framing|inflate)/.test(url) || url === 'node:zlib') return 'decode (rencode, framing, inflate)';
  if (/\/(rpc|transport|webui)\//.test(url)) return 'client (connection, transport)';
  if (/\/collector\/(exposition|families)/.test(url)) return 'render and check (exposition, families)';
  if (/\/collector\//.test(url)) return 'derive (collectors)';
  if (url.includes('/node_modules/')) return 'dependencies (express, pino, prom-client, ...)';
  if (url.startsWith('node:')) return 'Node runtime (node:*)';
  if (url.includes('/dist/')) return 'other own code';
  return 'builtins and native code (no script of ours below)';
}

/** `name where:line`, paths from `dist/` or `node_modules/` on. */
function functionKey({ functionName, url, lineNumber }: CallFrame): string {
  const where = url.replace(/.*\/(dist|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'} ${where}${where === '' ? '' : `:${lineNumber + 1}`}`;
}

/** Whether a frame is the exporter's code or a dependency's (not Node.js's, not a builtin). */
const isScript = ({ url }: CallFrame) => url.includes('/dist/') || url.includes('/node_modules/');

/**
 * Self cost by area and by function; with `caller` (the nearest frame of our code or a dependency
 * below it), a frame of Node.js or a builtin is counted where that caller is.
 */
class Totals {
  readonly byArea = new Map<string, number>();
  readonly byFunction = new Map<string, number>();

  add(frame: CallFrame, caller: CallFrame | undefined, amount: number): void {
    if (amount === 0) return;
    const owner = caller !== undefined && !isScript(frame) && !frame.functionName.startsWith('(') ? caller : frame;
    const area = areaOf(owner.url, owner.functionName);
    if (area === 'idle') return;
    this.byArea.set(area, (this.byArea.get(area) ?? 0) + amount);
    const key =
      owner === frame ? functionKey(frame) : `${frame.functionName || '(anonymous)'} in ${functionKey(owner)}`;
    this.byFunction.set(key, (this.byFunction.get(key) ?? 0) + amount);
  }

  get total(): number {
    return [...this.byArea.values()].reduce((sum, amount) => sum + amount, 0);
  }
}

const dir = mkdtempSync(join(tmpdir(), `deluge-${values.heap ? 'heap' : 'cpu'}-profile-`));
const heapFile = join(dir, 'scrapes.heapprofile');
const wrapper = join(dir, 'node.sh');
const flags = values.heap
  ? `--import ${join(REPO_ROOT, 'bench', 'heap-sampling.mjs')}`
  : `--cpu-prof --cpu-prof-dir=${dir}`;
writeFileSync(wrapper, `#!/bin/sh\nexec ${runtime.node} ${flags} "$@"\n`);
chmodSync(wrapper, 0o755);
const daemon = await filledDaemon(join(REPO_ROOT, '.cache', 'bench'), torrents, (line) =>
  process.stderr.write(`${line}\n`),
);
try {
  const exporter = await startExporter({
    configYaml: rowConfigYaml(daemon, { torrents, series }),
    builtCli: join(REPO_ROOT, 'dist', 'cli.js'),
    node: wrapper,
    env: { DELUGE_HEAP_PROFILE: heapFile },
  });
  for (let scrape = 0; scrape < scrapes; scrape++) await timedGet(`${exporter.url}/metrics`, { gzip: true });
  if (values.heap) {
    process.kill(exporter.pid as number, 'SIGUSR2');
    for (let waited = 0; !existsSync(heapFile); waited += 100) {
      if (waited > 30_000) throw new Error(`no heap profile written to ${heapFile}`);
      await sleep(100);
    }
  }
  await exporter.stop();
} finally {
  await daemon.stop();
}

const totals = new Totals();
let file: string;
if (values.heap) {
  file = heapFile;
  const walk = (node: HeapNode, caller: CallFrame | undefined) => {
    totals.add(node.callFrame, caller, node.selfSize);
    for (const child of node.children) walk(child, isScript(node.callFrame) ? node.callFrame : caller);
  };
  walk((JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head, undefined);
} else {
  const name = readdirSync(dir).find((entry) => entry.endsWith('.cpuprofile'));
  if (name === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
  file = join(dir, name);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  for (const node of profile.nodes) totals.add(node.callFrame, undefined, selfMicros.get(node.id) ?? 0);
}

const total = totals.total;
const share = (amount: number) => `${((100 * amount) / total).toFixed(1)} %`;
const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
const heading = values.heap
  ? `${(total / 1e6).toFixed(1)} MB allocated (start-up and scrapes)`
  : `${(total / 1000).toFixed(0)} ms busy`;
const lines = [
  `${runtime.label}, ${torrents} torrents ${series}, ${scrapes} scrapes: ${heading}; profile ${file}`,
  '',
  `| area | share of ${values.heap ? 'allocated bytes' : 'busy time'} |`,
  '| --- | --- |',
  ...sorted(totals.byArea).map(([area, amount]) => `| ${area} | ${share(amount)} |`),
  '',
  ...sorted(totals.byFunction)
    .slice(0, 20)
    .map(([name, amount]) => `${share(amount)}  ${name}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
