/**
 * V8 defaults that keep the exporter's resident memory small (docs/benchmarks.md "V8 heap growth" and
 * "Footprint"): garbage-collector sizes, and on Node.js 24 and later no TurboFan. `apply-memory-defaults.ts` sets them when the process starts, in every way the
 * exporter is started: the package's `deluge-exporter` bin, `node dist/cli.js` (image, systemd unit,
 * `npm start`) and `tsx src/cli.ts`.
 *
 * They are set at run time (`v8.setFlagsFromString`) because a `node` flag reaches only the start-up
 * paths whose command line we write (and `NODE_OPTIONS` takes no V8 flags but a few), and V8 reads
 * these flags each time it resizes a space (the young generation after a scavenge, the old
 * generation's limit after a full collection) or decides what to compile a hot function with. A flag
 * the user gives (`NODE_OPTIONS` or node's command line) wins: a default is left out when the user
 * names a flag that decides the same.
 */

/** One default: the V8 flag we set, and the user's flags that decide the same thing instead. */
interface MemoryDefault {
  readonly flag: string;
  readonly overriddenBy: readonly string[];
  /** Set only on this Node.js major version and later. */
  readonly sinceNodeMajor?: number;
}

/**
 * - The young generation stays at its initial size, two 1 MB semi-spaces, instead of growing to
 *   2 × 16 MB (Node 20, 22), 2 × 32 MB (Node 26) or 2 × 64 MB (Node 24) under a scrape's allocations.
 * - After a full collection the old generation may grow to 1.5 × the live heap before the next one,
 *   instead of up to 4 × (V8 chooses 1.1–4 × from its GC speed; with a scrape's short-lived data it
 *   chose the top of that range).
 * - Hot functions are compiled by Maglev, not TurboFan, on Node.js 24 and later (where V8 enables
 *   Maglev; on 20 and 22 TurboFan is the only optimizing compiler, so it stays). TurboFan's own
 *   memory took 5–6 MB off the idle exporter and 8–12 MB off its peaks on Node 26, for no CPU at
 *   1,000–10,000 torrents and +28 % at 100,000 aggregates-only (docs/benchmarks.md "Footprint").
 */
export const MEMORY_DEFAULTS: readonly MemoryDefault[] = [
  {
    flag: '--semi-space-growth-factor=1',
    overriddenBy: ['--semi-space-growth-factor', '--max-semi-space-size', '--min-semi-space-size', '--max-heap-size'],
  },
  { flag: '--heap-growing-percent=50', overriddenBy: ['--heap-growing-percent'] },
  {
    flag: '--no-turbofan',
    overriddenBy: ['--turbofan', '--no-turbofan', '--max-opt', '--maglev', '--no-maglev', '--jitless', '--lite-mode'],
    sinceNodeMajor: 24,
  },
];

/** V8 and node flags that size the heap or choose the compilers, as reported at start-up (`listening` log line). */
const HEAP_FLAG =
  /^--(?:max|min)-semi-space-size|^--semi-space-growth-factor|^--heap-growing-percent|^--max-old-space-size|^--max-heap-size|^--optimize-for-size|^--(?:no-)?(?:turbofan|maglev)\b|^--max-opt|^--jitless|^--lite-mode/;

/** The flags (`--name` or `--name=value`, underscores in names as dashes) of node's command line and `NODE_OPTIONS`. */
export function nodeFlags(execArgv: readonly string[], nodeOptions: string | undefined): string[] {
  return [...(nodeOptions ?? '').split(/\s+/), ...execArgv]
    .filter((word) => word.startsWith('--'))
    .map((word) => {
      const equals = word.indexOf('=');
      const name = equals < 0 ? word : word.slice(0, equals);
      return `${name.replaceAll('_', '-')}${equals < 0 ? '' : word.slice(equals)}`;
    });
}

/** The defaults of {@link MEMORY_DEFAULTS} for Node.js `nodeMajor` that no user flag overrides. */
export function memoryFlagsToSet(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  nodeMajor: number,
): string[] {
  const names = new Set(nodeFlags(execArgv, nodeOptions).map((flag) => flag.split('=')[0]));
  return MEMORY_DEFAULTS.filter(
    (entry) => nodeMajor >= (entry.sinceNodeMajor ?? 0) && !entry.overriddenBy.some((name) => names.has(name)),
  ).map((entry) => entry.flag);
}

/** The heap-sizing flags in effect: the user's (NODE_OPTIONS first, then the command line) and ours. */
export function heapFlagsInEffect(
  execArgv: readonly string[],
  nodeOptions: string | undefined,
  setByExporter: readonly string[],
): string[] {
  return [...nodeFlags(execArgv, nodeOptions).filter((flag) => HEAP_FLAG.test(flag)), ...setByExporter];
}
