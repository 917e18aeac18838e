import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { heapFlagsInEffect, MEMORY_DEFAULTS, memoryFlagsToSet, nodeFlags } from '../../../src/cli/memory-defaults.js';

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

  it('sets each default unless the user names a flag that decides the same', () => {
    expect(OURS).toEqual(['--semi-space-growth-factor=1', '--heap-growing-percent=50']);
    expect(memoryFlagsToSet([], undefined)).toEqual(OURS);
    expect(memoryFlagsToSet(['--max-old-space-size=200'], '--inspect')).toEqual(OURS);
    expect(memoryFlagsToSet(['--heap_growing_percent=30'], '')).toEqual(['--semi-space-growth-factor=1']);
    expect(memoryFlagsToSet([], '--max_semi_space_size=16')).toEqual(['--heap-growing-percent=50']);
    for (const young of ['--min-semi-space-size=4', '--semi-space-growth-factor=2', '--max-heap-size=300']) {
      expect(memoryFlagsToSet([young], undefined)).toEqual(['--heap-growing-percent=50']);
    }
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

  it('are set by the CLI entry before it loads the exporter', () => {
    const statements = readFileSync(`${root}src/cli.ts`, 'utf8')
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#!') && !line.startsWith('//'));
    expect(statements).toEqual(["import './cli/apply-memory-defaults.js';", "await import('./cli/main.js');"]);
  });
});

/** The started CLI (`nodeArgs` before the script): its `listening` line's `heapFlags` and its new space size. */
async function startedHeap(
  nodeArgs: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ heapFlags: unknown; newSpaceBytes: number | undefined }> {
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
    const listening = await new Promise<{ heapFlags?: unknown; port: number }>((resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
        const line = output.split('\n').find((text) => text.includes('"msg":"listening"'));
        if (line !== undefined) resolve(JSON.parse(line) as { heapFlags?: unknown; port: number });
      });
      child.stderr.on('data', (chunk) => {
        output += String(chunk);
      });
      child.once('close', () => reject(new Error(`exited before listening: ${output}`)));
    });
    // The young generation's size as the process itself reports it (prom-client's heap space metric).
    const metrics = await (await fetch(`http://127.0.0.1:${listening.port}/metrics`)).text();
    const newSpace = /^nodejs_heap_space_size_total_bytes\{space="new"\} (\d+)$/m.exec(metrics)?.[1];
    return { heapFlags: listening.heapFlags, newSpaceBytes: newSpace === undefined ? undefined : Number(newSpace) };
  } finally {
    child.kill('SIGKILL');
  }
}

/**
 * The young generation stays at the size it had when the defaults were set: two semi-spaces of
 * V8's initial 1 MiB under `node dist/cli.js`; here tsx's loader runs first and may have doubled it.
 */
const STOPPED_NEW_SPACE_BYTES = 4 * 1024 * 1024;

describe('the started CLI', () => {
  it("runs with the defaults, says so in its listening line, and its young generation stops growing where the user's grows on", {
    timeout: 2 * SPAWN_TIMEOUT_MS,
  }, async () => {
    const ours = await startedHeap([]);
    expect(ours.heapFlags).toEqual(OURS);
    expect(ours.newSpaceBytes).toBeLessThanOrEqual(STOPPED_NEW_SPACE_BYTES);
    const users = await startedHeap([], { NODE_OPTIONS: '--max-semi-space-size=16' });
    expect(users.heapFlags).toEqual(['--max-semi-space-size=16', '--heap-growing-percent=50']);
    expect(users.newSpaceBytes).toBeGreaterThan(STOPPED_NEW_SPACE_BYTES);
  });

  it("keeps the user's own flag from node's command line instead of ours", { timeout: SPAWN_TIMEOUT_MS }, async () => {
    expect((await startedHeap(['--heap-growing-percent=30'])).heapFlags).toEqual([
      '--heap-growing-percent=30',
      '--semi-space-growth-factor=1',
    ]);
  });
});
