/**
 * What each runtime dependency and each part of the exporter's own code costs resident (issue 18):
 * `npx tsx bench/resident-cost.ts [--node 26] [--runs 5]` (needs `npm run build`).
 *
 * Each figure is the VmRSS of a fresh `node bench/import-rss.mjs MODULES...` (1 s after the imports),
 * median of `--runs` processes:
 * - **alone**: the module on its own, minus the bare entry (no module);
 * - **marginal**: for a dependency, every dependency minus all of them but this one; for a part of our
 *   code, every dependency and part minus all of them but this one (the parts import the
 *   dependencies themselves): what leaving it out saves.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { REPO_ROOT } from '../test/support/exporter-process.js';
import { resolveRuntime } from './runtimes.js';
import { median, positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: { node: { type: 'string', default: '26' }, runs: { type: 'string', default: '5' } },
});
const runtime = resolveRuntime(values.node);
const runs = positiveInteger('--runs', values.runs);

const DEPENDENCIES = Object.keys(
  (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> })
    .dependencies,
);
/** Parts of our own code, as built modules (each with what it imports). */
const PARTS = [
  'config/load',
  'rpc/client',
  'collector/scraper',
  'collector/exposition',
  'server',
  'log/logger',
  'exporter/metrics',
  'http/web-config',
  'http/basic-auth',
  'http/probe-debug',
  'http/landing-page',
  'cli/check-daemons',
];
const partPath = (part: string) => join(REPO_ROOT, 'dist', `${part}.js`);

function rss(modules: readonly string[]): number {
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const output = execFileSync(runtime.node, [join(import.meta.dirname, 'import-rss.mjs'), ...modules], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    samples.push(Number(output.trim()));
  }
  return median(samples);
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const everything = [...DEPENDENCIES, ...PARTS.map(partPath)];
const bare = rss([]);
const all = rss(everything);
const dependenciesOnly = rss(DEPENDENCIES);
const floor = rss(['express', 'pino', 'prom-client']);
const lines = [
  `resident cost on ${runtime.label}, VmRSS medians of ${runs} processes (MB = 10^6 bytes)`,
  '',
  `bare entry ${mb(bare)}; express, pino and prom-client (the floor) ${mb(floor)}; every dependency ${mb(dependenciesOnly)}; every dependency and part ${mb(all)}`,
  '',
  '| module | alone (over the bare entry) | marginal (over all the others) |',
  '| --- | --- | --- |',
];
for (const module of everything) {
  const alone = rss([module]) - bare;
  const others = DEPENDENCIES.includes(module) ? DEPENDENCIES : everything;
  const marginal = (others === DEPENDENCIES ? dependenciesOnly : all) - rss(others.filter((other) => other !== module));
  const name = module.startsWith(REPO_ROOT)
    ? `src/${module.slice(join(REPO_ROOT, 'dist').length + 1).replace(/\.js$/, '.ts')}`
    : module;
  lines.push(`| ${name} | ${mb(alone)} | ${mb(marginal)} |`);
  process.stderr.write(`[resident-cost] ${name}\n`);
}
process.stdout.write(`${lines.join('\n')}\n`);
