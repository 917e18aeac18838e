/**
 * Amplification frames (a few KB on the wire that would decode into millions of objects) sent to
 * the real client over TLS, before and after login: each fails with a DelugeLimitError naming the
 * limit, the connection is dropped, the client process's peak RSS grows by less than the bounds stated
 * in docs/reliability.md, and a client of another daemon in that process keeps working throughout. The
 * clients run in a fresh process (test/support/amplification-client.ts): its peak RSS is theirs alone.
 */
import { createDeflate } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FRAME_HEADER_BYTES, PROTOCOL_VERSION } from '../../../src/rpc/framing.js';
import { encode, type RencodeInput } from '../../../src/rpc/rencode.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { runTsx } from '../../support/run-node.js';

/** Bounds of docs/reliability.md ("Decoding limits"), in MiB of peak RSS growth over all shapes. */
const RSS_BOUND_BEFORE_LOGIN_MIB = 32;
const RSS_BOUND_AFTER_LOGIN_MIB = 192;

const MiB = 1024 * 1024;

/** One-byte (or two-byte) rencode values an attacker repeats. */
const SHAPES = {
  'empty lists': Buffer.of(0xc0),
  'empty dicts': Buffer.of(0x66),
  'tiny strings': Buffer.of(0x81, 0x61),
  'deep nesting': Buffer.of(0xc1),
} as const;
type Shape = keyof typeof SHAPES;

/**
 * A whole frame `[1, requestId, [unit × count]]` (a terminated list; for deep nesting, `count`
 * one-item lists inside each other), deflated as a stream so the inflated bytes never exist here.
 */
async function bombFrame(requestId: RencodeInput, shape: Shape, inflatedBytes: number): Promise<Buffer> {
  const unit = SHAPES[shape];
  const count = Math.floor(inflatedBytes / unit.length);
  const deflate = createDeflate();
  const parts: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  deflate.write(Buffer.concat([Buffer.of(0xc3), encode(1), encode(requestId), Buffer.of(0x3b)]));
  const block = Buffer.alloc(64 * 1024 - ((64 * 1024) % unit.length));
  for (let at = 0; at < block.length; at += unit.length) unit.copy(block, at);
  for (let left = count * unit.length; left > 0; left -= block.length) {
    const piece = left >= block.length ? block : block.subarray(0, left);
    if (!deflate.write(piece)) await new Promise((resolve) => deflate.once('drain', resolve));
  }
  deflate.end(Buffer.of(0x7f));
  await done;
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(FRAME_HEADER_BYTES);
  header.writeUInt8(PROTOCOL_VERSION, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

interface Attack {
  readonly shape: Shape;
  readonly inflatedBytes: number;
  readonly frame: Buffer;
}

async function attacks(requestId: number, sizes: readonly number[]): Promise<Attack[]> {
  const built: Attack[] = [];
  for (const shape of Object.keys(SHAPES) as Shape[]) {
    for (const inflatedBytes of sizes) {
      built.push({ shape, inflatedBytes, frame: await bombFrame(requestId, shape, inflatedBytes) });
    }
  }
  return built;
}

/** Runs test/support/amplification-client.ts in a fresh process and returns what it reports. */
async function attackInChild(
  phase: 'before-login' | 'after-login',
  attacks: number,
): Promise<{ outcomes: string[]; growthMiB: number; bystanderCalls: number }> {
  const plan = JSON.stringify({ hostilePort: hostile.port, healthyPort: healthy.port, phase, attacks });
  const { code, stdout, stderr } = await runTsx(['test/support/amplification-client.ts', plan]);
  if (code !== 0) throw new Error(`amplification-client exited ${code}: ${stderr}`);
  return JSON.parse(stdout);
}

let hostile: FakeDaemon;
let healthy: FakeDaemon;

beforeAll(async () => {
  hostile = await startFakeDaemon({ handlers: { 'core.bomb': () => null } });
  healthy = await startFakeDaemon({ handlers: { 'core.echo': (args) => [...args] } });
});

afterAll(async () => {
  await hostile.close();
  await healthy.close();
});

describe('amplification frames against the real client', () => {
  it('before login: every shape fails with a limit error, peak RSS of a fresh client process stays flat, another daemon is unaffected', async () => {
    // daemon.info is the first request of every connection: id 0. Each new connection gets the next frame.
    const built = await attacks(0, [200 * 1024, 128 * MiB]);
    let sent = 0;
    hostile.setFault('daemon.info', { kind: 'garbage', bytes: () => built[sent++]?.frame ?? Buffer.alloc(0) });
    const { outcomes, growthMiB, bystanderCalls } = await attackInChild('before-login', built.length);
    console.info(`before login: peak RSS grew by ${growthMiB.toFixed(1)} MiB\n${outcomes.join('\n')}`);
    expect(
      outcomes.map((outcome, index) => `${built[index]?.shape}, ${built[index]?.inflatedBytes} bytes: ${outcome}`),
    ).toEqual([
      'empty lists, 204800 bytes: refused: maxContainers',
      'empty lists, 134217728 bytes: refused: maxFrameBytes',
      'empty dicts, 204800 bytes: refused: maxContainers',
      'empty dicts, 134217728 bytes: refused: maxFrameBytes',
      'tiny strings, 204800 bytes: refused: maxContainerEntries',
      'tiny strings, 134217728 bytes: refused: maxFrameBytes',
      'deep nesting, 204800 bytes: refused: maxDepth',
      'deep nesting, 134217728 bytes: refused: maxFrameBytes',
    ]);
    expect(sent).toBe(built.length);
    expect(bystanderCalls).toBeGreaterThan(0);
    expect(healthy.connections).toBe(1);
    expect(growthMiB).toBeLessThan(RSS_BOUND_BEFORE_LOGIN_MIB);
  }, 60_000);

  it('after login: each shape is refused or decoded within the budget, peak RSS of a fresh client process bounded, another daemon unaffected', async () => {
    hostile.setFault('daemon.info', undefined);
    // A refused frame drops the connection, so every bomb call is the first after a login (ids 0, 1): id 2.
    const built = await attacks(2, [1_000_000, 128 * MiB]);
    let sent = 0;
    hostile.setFault('core.bomb', { kind: 'garbage', bytes: () => built[sent++]?.frame ?? Buffer.alloc(0) });
    const { outcomes, growthMiB, bystanderCalls } = await attackInChild('after-login', built.length);
    console.info(`after login: peak RSS grew by ${growthMiB.toFixed(1)} MiB\n${outcomes.join('\n')}`);
    expect(
      outcomes.map((outcome, index) => `${built[index]?.shape}, ${built[index]?.inflatedBytes} bytes: ${outcome}`),
    ).toEqual([
      'empty lists, 1000000 bytes: refused: maxContainers',
      'empty lists, 134217728 bytes: refused: maxInflateRatio',
      'empty dicts, 1000000 bytes: refused: maxContainers',
      'empty dicts, 134217728 bytes: refused: maxInflateRatio',
      'tiny strings, 1000000 bytes: decoded 500000 items',
      'tiny strings, 134217728 bytes: refused: maxInflateRatio',
      'deep nesting, 1000000 bytes: refused: maxDepth',
      'deep nesting, 134217728 bytes: refused: maxInflateRatio',
    ]);
    expect(sent).toBe(built.length);
    expect(bystanderCalls).toBeGreaterThan(0);
    expect(healthy.connections).toBe(2);
    expect(growthMiB).toBeLessThan(RSS_BOUND_AFTER_LOGIN_MIB);
  }, 120_000);
});
