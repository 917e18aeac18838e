/**
 * `npm run fuzz [-- --cases N] [--seed S] [target ...]`: runs fuzz targets (all by default) with N
 * generated cases each (default 100,000), printing one line per target with its case count, seed and
 * time. Exits 1 on the first failing target, after printing fast-check's report (the counterexample
 * and the seed and path that replay it). Targets are listed in test/fuzz/targets.ts.
 */
import { parseArgs } from 'node:util';
import { fuzzTargets } from '../test/fuzz/targets.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    cases: { type: 'string', default: '100000' },
    seed: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
});

if (values.list) {
  for (const target of fuzzTargets) process.stdout.write(`${target.name}: ${target.description}\n`);
  process.exit(0);
}

const cases = Number(values.cases);
if (!Number.isSafeInteger(cases) || cases < 1)
  throw new Error(`--cases must be a positive integer, got ${values.cases}`);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isSafeInteger(seed)) throw new Error(`--seed must be an integer, got ${values.seed}`);

const unknown = positionals.filter((name) => !fuzzTargets.some((target) => target.name === name));
if (unknown.length > 0) {
  throw new Error(`unknown fuzz target(s) ${unknown.join(', ')}; known: ${fuzzTargets.map((t) => t.name).join(', ')}`);
}
const selected = positionals.length === 0 ? fuzzTargets : fuzzTargets.filter((t) => positionals.includes(t.name));

for (const target of selected) {
  const started = process.hrtime.bigint();
  try {
    target.run(cases, seed);
  } catch (error) {
    process.stdout.write(`FAIL ${target.name} (seed ${seed}, ${cases} cases)\n${(error as Error).message}\n`);
    process.exit(1);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  process.stdout.write(`ok   ${target.name}: ${cases} cases, seed ${seed}, ${seconds.toFixed(1)} s\n`);
}
