/**
 * Where a scrape's CPU goes (issue 18): `node --cpu-prof` of the built exporter against the bench's
 * real deluged, self time summed by area and the top functions.
 *
 *   npx tsx bench/cpu-profile.ts [--node 26] [--torrents 2000] [--series per-torrent] [--scrapes 30]
 *
 * Needs `npm run build`; the profile (`.cpuprofile`, for Chrome's DevTools) stays in a temp directory
 * whose path is printed. Shares are of busy time (idle left out), start-up included once.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT, startExporter } from '../test/support/exporter-process.js';
import { timedGet } from './real-daemon/exporter-probe.js';
import { filledDaemon } from './real-daemon/fill.js';
import { rowConfigYaml, type SeriesMode } from './real-daemon/scrape-vs-daemon.js';
import { resolveRuntime } from './runtimes.js';
import { positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: {
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

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}
interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
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
  return `native: ${name}`;
}

const dir = mkdtempSync(join(tmpdir(), 'deluge-cpu-profile-'));
const wrapper = join(dir, 'node.sh');
writeFileSync(wrapper, `#!/bin/sh\nexec ${runtime.node} --cpu-prof --cpu-prof-dir=${dir} "$@"\n`);
chmodSync(wrapper, 0o755);
const daemon = await filledDaemon(join(REPO_ROOT, '.cache', 'bench'), torrents, (line) =>
  process.stderr.write(`${line}\n`),
);
try {
  const exporter = await startExporter({
    configYaml: rowConfigYaml(daemon, { torrents, series }),
    builtCli: join(REPO_ROOT, 'dist', 'cli.js'),
    node: wrapper,
  });
  for (let scrape = 0; scrape < scrapes; scrape++) await timedGet(`${exporter.url}/metrics`, { gzip: true });
  await exporter.stop();
} finally {
  await daemon.stop();
}
const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
if (file === undefined) throw new Error(`no .cpuprofile written in ${dir}`);
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
const selfMicros = new Map<number, number>();
profile.samples.forEach((id, index) => {
  selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
});
const byArea = new Map<string, number>();
const byFunction = new Map<string, number>();
for (const node of profile.nodes) {
  const micros = selfMicros.get(node.id) ?? 0;
  const { functionName, url, lineNumber } = node.callFrame;
  const area = areaOf(url, functionName);
  if (micros === 0 || area === 'idle') continue;
  byArea.set(area, (byArea.get(area) ?? 0) + micros);
  const where = url.replace(/.*\/(dist|node_modules)\//, '$1/');
  const key = `${functionName || '(anonymous)'} ${where}${where === '' ? '' : `:${lineNumber + 1}`}`;
  byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
}
const busy = [...byArea.values()].reduce((sum, micros) => sum + micros, 0);
const share = (micros: number) => `${((100 * micros) / busy).toFixed(1)} %`;
const sorted = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
const lines = [
  `${runtime.label}, ${torrents} torrents ${series}, ${scrapes} scrapes: ${(busy / 1000).toFixed(0)} ms busy; profile ${join(dir, file)}`,
  '',
  '| area | share |',
  '| --- | --- |',
  ...sorted(byArea).map(([area, micros]) => `| ${area} | ${share(micros)} |`),
  '',
  ...sorted(byFunction)
    .slice(0, 20)
    .map(([name, micros]) => `${share(micros)}  ${name}`),
];
process.stdout.write(`${lines.join('\n')}\n`);
process.exit(0);
