import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heapFlagsInEffect, MEMORY_DEFAULTS, memoryFlagsToSet, nodeFlags } from '../../../src/cli/memory-defaults.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SPAWN_TIMEOUT_MS = 30_000;
const OURS = MEMORY_DEFAULTS.map((entry) => entry.flag);
/** The garbage-collector defaults: those set on every Node.js version. */
const GC = MEMORY_DEFAULTS.filter((entry) => entry.sinceNodeMajor === undefined).map((entry) => entry.flag);
/** `flags` without the ones named `name`. */
const without = (flags: readonly string[], ...names: string[]) =>
  flags.filter((flag) => !names.includes(flag.split('=')[0] ?? ''));
const NODE_MAJOR = Number(process.versions.node.split('.')[0]);
/** Our flags on the Node.js running this test: TurboFan goes from 24 on, where V8 compiles with Maglev. */
const OURS_HERE = NODE_MAJOR >= 24 ? OURS : GC;

describe('V8 memory defaults', () => {
  it('reads flag names from NODE_OPTIONS and the command line, underscores as dashes, values kept', () => {
    expect(
      nodeFlags(['--heap_growing_percent=30', '--import', 'tsx'], ' --max-semi-space-size=16  --inspect '),
    ).toEqual(['--max-semi-space-size=16', '--inspect', '--heap-growing-percent=30', '--import']);
    expect(nodeFlags([], undefined)).toEqual([]);
  });

  it('sets each default unless the user names a flag that decides the same', () => {
    expect(memoryFlagsToSet([], undefined, 26)).toEqual(OURS);
    expect(memoryFlagsToSet(['--max-old-space-size=200'], '--inspect', 24)).toEqual(OURS);
    expect(memoryFlagsToSet(['--heap_growing_percent=30'], '', 26)).toEqual(without(OURS, '--heap-growing-percent'));
    expect(memoryFlagsToSet([], '--max_semi_space_size=16', 26)).toEqual(without(OURS, '--semi-space-growth-factor'));
    for (const young of ['--min-semi-space-size=4', '--semi-space-growth-factor=2', '--max-heap-size=300']) {
      expect(memoryFlagsToSet([young], undefined, 26)).toEqual(without(OURS, '--semi-space-growth-factor'));
    }
    for (const compiler of ['--turbofan', '--max-opt=3', '--no-maglev', '--jitless', '--lite-mode']) {
      expect(memoryFlagsToSet([compiler], undefined, 26)).toEqual(GC);
    }
  });

  it('leaves TurboFan on before Node.js 24, where it is the only optimizing compiler', () => {
    expect(memoryFlagsToSet([], undefined, 20)).toEqual(GC);
    expect(memoryFlagsToSet([], undefined, 22)).toEqual(GC);
  });

  it("reports the user's heap flags, then ours, and nothing else", () => {
    expect(
      heapFlagsInEffect(
        ['--import', 'tsx', '--max-old-space-size=300'],
        '--max_semi_space_size=16 --require ./x.cjs --maglev',
        OURS,
      ),
    ).toEqual(['--max-semi-space-size=16', '--maglev', '--max-old-space-size=300', ...OURS]);
  });
});

/** The built CLI the started-CLI tests run (see their `beforeAll`). */
let builtCli: string;
/** Preloaded with `--expose-gc`: a full collection on SIGUSR2, once the CLI has set its defaults. */
const FULL_GC_ON_SIGNAL = 'data:text/javascript,process.on("SIGUSR2",()=>globalThis.gc())';

/**
 * The started CLI (`nodeArgs` before the script, plus V8's GC trace): its `listening` line's
 * `heapFlags`, its new space size, and the old-generation growth factor V8 applied in a full
 * collection after it listened.
 */
async function startedHeap(
  nodeArgs: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ heapFlags: string[]; newSpaceBytes: number | undefined; oldGrowthFactor: number | undefined }> {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DELUGE_')));
  delete cleanEnv.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      '--trace-gc-verbose',
      '--expose-gc',
      '--import',
      FULL_GC_ON_SIGNAL,
      builtCli,
      '--web.listen-address',
      '127.0.0.1:0',
    ],
    {
      cwd: root,
      // The daemon need not exist: the exporter listens before it connects.
      env: { ...cleanEnv, DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'p', DELUGE_PORT: '9', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    let output = '';
    const listening = await new Promise<{ heapFlags: string[]; port: number }>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
        const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
        if (line !== undefined) resolve(JSON.parse(line) as { heapFlags: string[]; port: number });
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      child.once('close', () => reject(new Error(`exited before listening: ${output}`)));
    });
    // The young generation's size as the process itself reports it (prom-client's heap space metric).
    const metrics = await (await fetch(`http://127.0.0.1:${listening.port}/metrics`)).text();
    const newSpace = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics)?.[1];
    // V8's own words after a full collection: "[HeapController] Limit: old size: … KB, new limit: … KB
    // (1.5)" (Node 20, 22), or the factor on the line before, "[HeapController] factor 1.5 based on …" (24+).
    const listenedAt = output.indexOf('"msg":"listening"');
    child.kill('SIGUSR2');
    for (
      let waited = 0;
      !/\[HeapController\] Limit/.test(output.slice(listenedAt)) && waited < SPAWN_TIMEOUT_MS;
      waited += 50
    ) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const afterListening = output.slice(listenedAt);
    let last: string | undefined;
    let stated: string | undefined;
    for (const [, factor, limit] of afterListening.matchAll(
      /\[HeapController\] (?:factor (\d+(?:\.\d+)?) based|Limit: [^\n(]*(?:\((\d+(?:\.\d+)?)\))?)/g,
    )) {
      if (factor !== undefined) stated = factor;
      else last = limit ?? stated;
    }
    return {
      heapFlags: listening.heapFlags,
      newSpaceBytes: newSpace === undefined ? undefined : Number(newSpace),
      oldGrowthFactor: last === undefined ? undefined : Number(last),
    };
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * The young generation stays at the size it had when the defaults were set: two semi-spaces of
 * V8's initial 1 MiB under the built CLI, at most one doubling before them.
 */
const STOPPED_NEW_SPACE_BYTES = 4 * 1024 * 1024;

/** The old generation's growth factor the reported `--heap-growing-percent=N` means (1 + N / 100). */
function growthFactorOf(heapFlags: readonly string[]): number {
  const percent = heapFlags.find((flag) => flag.startsWith('--heap-growing-percent='))?.split('=')[1];
  if (percent === undefined) throw new Error(`no --heap-growing-percent in ${heapFlags.join(' ')}`);
  return 1 + Number(percent) / 100;
}

describe('the started CLI', () => {
  // The CLI as built (`tsc -p tsconfig.build.json`, ~6 s) and run by plain node, as it ships: under
  // tsx's loader, which allocates before the CLI's first module runs, V8 had sometimes already grown
  // the young generation to its maximum (1 run in 6 on Node 22) before the defaults were set.
  let builtDir: string;
  beforeAll(() => {
    // Beside dist/, so that the built modules find package.json as dist/'s do (`../package.json`).
    builtDir = mkdtempSync(join(root, '.memory-defaults-build-'));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', builtDir, '--declaration', 'false'], {
      cwd: root,
      timeout: 2 * SPAWN_TIMEOUT_MS,
    });
    builtCli = join(builtDir, 'cli.js');
  }, 2 * SPAWN_TIMEOUT_MS);
  afterAll(() => rmSync(builtDir, { recursive: true, force: true }));

  it("runs with the defaults, says so in its listening line; its young generation stops growing where the user's grows on, its old one grows by the reported factor", {
    timeout: 2 * SPAWN_TIMEOUT_MS,
  }, async () => {
    const ours = await startedHeap([]);
    expect(ours.heapFlags).toEqual(OURS_HERE);
    expect(ours.newSpaceBytes).toBeLessThanOrEqual(STOPPED_NEW_SPACE_BYTES);
    // V8 grew the old generation by the factor the reported flag sets (ours: 1 + 50 %).
    expect(ours.oldGrowthFactor).toBe(growthFactorOf(ours.heapFlags));
    const users = await startedHeap([], { NODE_OPTIONS: '--max-semi-space-size=16' });
    expect(users.heapFlags).toEqual(['--max-semi-space-size=16', ...without(OURS_HERE, '--semi-space-growth-factor')]);
    expect(users.newSpaceBytes).toBeGreaterThan(STOPPED_NEW_SPACE_BYTES);
  });

  it("keeps the user's own flag from node's command line instead of ours, and V8 grows the old generation by it", {
    timeout: SPAWN_TIMEOUT_MS,
  }, async () => {
    const users = await startedHeap(['--heap-growing-percent=30']);
    expect(users.heapFlags).toEqual(['--heap-growing-percent=30', ...without(OURS_HERE, '--heap-growing-percent')]);
    expect(users.oldGrowthFactor).toBe(1.3);
  });
});

/** The optimizing compilers V8's `--trace-opt` reports for a hot function run after the defaults were applied. */
function compilersOfHotLoop(nodeArgs: readonly string[]): Set<string> {
  const script = [
    "await import('./src/cli/apply-memory-defaults.ts');",
    'const hot = (values) => { let sum = 0; for (let i = 0; i < values.length; i++) sum += values[i] * 2; return sum; };',
    'const values = new Float64Array(1000); let total = 0;',
    'for (let i = 0; i < 200000; i++) total += hot(values);',
    'console.log(total);',
  ].join('\n');
  const output = execFileSync(
    process.execPath,
    // Optimized on the main thread, so the hot loop cannot end before a compile job on a busy machine does.
    [
      ...nodeArgs,
      '--no-concurrent-recompilation',
      '--no-concurrent-osr',
      '--trace-opt',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
    ],
    { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' }, timeout: SPAWN_TIMEOUT_MS },
  );
  // Only the hot loop's function: tsx's loader, which runs first, may have been optimized before.
  const hotLines = output.split('\n').filter((line) => line.includes('<JSFunction hot '));
  return new Set(hotLines.flatMap((line) => /(?:target|optimization to) (MAGLEV|TURBOFAN)/.exec(line)?.[1] ?? []));
}

describe('the compiler default', () => {
  it(`${NODE_MAJOR >= 24 ? 'turns TurboFan off' : 'keeps TurboFan'} on this Node.js (${process.versions.node}) unless the user chose`, {
    timeout: 2 * SPAWN_TIMEOUT_MS,
  }, () => {
    const compilers = compilersOfHotLoop([]);
    expect(compilers.has('TURBOFAN')).toBe(NODE_MAJOR < 24);
    expect(compilers.size).toBeGreaterThan(0);
    if (NODE_MAJOR >= 24) expect(compilersOfHotLoop(['--turbofan']).has('TURBOFAN')).toBe(true);
  });
});
