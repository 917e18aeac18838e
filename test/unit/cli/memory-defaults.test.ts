import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heapFlagsInEffect, MEMORY_DEFAULTS, memoryFlagsToSet, nodeFlags } from '../../../src/memory-defaults.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SPAWN_TIMEOUT_MS = 30_000;
const OURS = MEMORY_DEFAULTS.map((entry) => entry.flag);

describe('V8 memory defaults', () => {
  it('reads flag names from NODE_OPTIONS and the command line, underscores as dashes, values kept', () => {
    expect(
      nodeFlags(['--heap_growing_percent=30', '--import', 'tsx'], ' --max-semi-space-size=16  --inspect '),
    ).toEqual(['--max-semi-space-size=16', '--inspect', '--heap-growing-percent=30', '--import']);
    expect(nodeFlags([], undefined)).toEqual([]);
  });

  it('sets the heap growing default unless the user names that flag', () => {
    expect(OURS).toEqual(['--heap-growing-percent=50']);
    expect(memoryFlagsToSet([], undefined)).toEqual(OURS);
    expect(memoryFlagsToSet(['--max-semi-space-size=16'], '--max-old-space-size=200')).toEqual(OURS);
    expect(memoryFlagsToSet(['--heap-growing-percent=30'], undefined)).toEqual([]);
    expect(memoryFlagsToSet(['--heap_growing_percent=30'], '')).toEqual([]);
  });

  it("reports the user's heap flags, then ours, and nothing else", () => {
    expect(
      heapFlagsInEffect(
        ['--import', 'tsx', '--max-old-space-size=300'],
        '--max_semi_space_size=16 --require ./x.cjs',
        OURS,
      ),
    ).toEqual(['--max-semi-space-size=16', '--max-old-space-size=300', ...OURS]);
  });

  it('is the first module the CLI loads', () => {
    const firstImport = /^import [^\n]*;$/m.exec(readFileSync(`${root}src/cli.ts`, 'utf8'))?.[0];
    expect(firstImport).toBe("import './apply-memory-defaults.js';");
  });
});

/** The `heapFlags` of the started CLI's `listening` line, with `nodeArgs` before the script. */
async function startedHeapFlags(nodeArgs: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<unknown> {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DELUGE_')));
  delete cleanEnv.NODE_OPTIONS;
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', 'src/cli.ts', '--web.listen-address', '127.0.0.1:0'],
    {
      cwd: root,
      // The daemon need not exist: the exporter listens before it connects.
      env: { ...cleanEnv, DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'p', DELUGE_PORT: '9', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  try {
    return await new Promise((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
        const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
        if (line !== undefined) resolve((JSON.parse(line) as { heapFlags?: unknown }).heapFlags);
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      child.once('close', () => reject(new Error(`exited before listening: ${output}`)));
    });
  } finally {
    child.kill('SIGKILL');
  }
}

describe('the started CLI', () => {
  it('runs with the defaults and says so in its listening line', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    expect(await startedHeapFlags([])).toEqual(OURS);
  });

  it("keeps the user's own flag from node's command line instead of ours", { timeout: SPAWN_TIMEOUT_MS }, async () => {
    expect(await startedHeapFlags(['--heap-growing-percent=30'])).toEqual(['--heap-growing-percent=30']);
  });

  it("runs with the user's NODE_OPTIONS heap flags next to ours", { timeout: SPAWN_TIMEOUT_MS }, async () => {
    expect(await startedHeapFlags([], { NODE_OPTIONS: '--max-semi-space-size=16' })).toEqual([
      '--max-semi-space-size=16',
      ...OURS,
    ]);
  });
});
