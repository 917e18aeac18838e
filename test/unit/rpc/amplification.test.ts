/**
 * Amplification frames (a few KB on the wire that would decode into millions of objects) sent to
 * the real client over TLS, before and after login: each fails with a DelugeLimitError naming the
 * limit, the connection is dropped, the process's peak RSS grows by less than the bounds stated in
 * docs/reliability.md, and a client of another daemon keeps working throughout.
 */
import { createDeflate } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DelugeClient } from '../../../src/rpc/client.js';
import { DelugeLimitError } from '../../../src/rpc/errors.js';
import { FRAME_HEADER_BYTES, PROTOCOL_VERSION } from '../../../src/rpc/framing.js';
import { encode, type RencodeInput } from '../../../src/rpc/rencode.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { rejectionOf, trackUnhandledRejections } from '../../support/unhandled-rejections.js';

const unhandled = trackUnhandledRejections();

/** Bounds of docs/reliability.md ("Decoding limits"), in MiB of peak RSS growth over all shapes. */
const RSS_BOUND_BEFORE_LOGIN_MIB = 32;
const RSS_BOUND_AFTER_LOGIN_MIB = 160;

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

function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

/** Calls `core.echo` on another daemon every few ms until stopped; resolves with the number of successful calls. */
function keepCalling(client: DelugeClient): { stop: () => Promise<number> } {
  let running = true;
  stoppers.push(() => {
    running = false;
  });
  let ok = 0;
  const loop = (async () => {
    while (running) {
      expect(await client.call<string[]>({ method: 'core.echo', args: ['still here'] })).toEqual(['still here']);
      ok++;
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return ok;
    },
  };
}

let hostile: FakeDaemon;
let healthy: FakeDaemon;
const clients: DelugeClient[] = [];
const stoppers: (() => void)[] = [];

function clientOf(daemon: FakeDaemon): DelugeClient {
  const client = new DelugeClient({
    host: daemon.host,
    port: daemon.port,
    username: 'admin',
    password: 'admin-secret',
  });
  clients.push(client);
  return client;
}

beforeAll(async () => {
  hostile = await startFakeDaemon({ handlers: { 'core.bomb': () => null } });
  healthy = await startFakeDaemon({ handlers: { 'core.echo': (args) => [...args] } });
});

afterEach(() => {
  for (const stop of stoppers.splice(0)) stop();
});

afterAll(async () => {
  for (const client of clients) await client.close();
  await hostile.close();
  await healthy.close();
  expect(unhandled).toEqual([]);
});

describe('amplification frames against the real client', () => {
  it('before login: every shape fails with a limit error, RSS stays flat, another daemon is unaffected', async () => {
    // daemon.info is the first request of every connection: id 0.
    const built = await attacks(0, [200 * 1024, 128 * MiB]);
    // Warm-up: the first TLS connection and login load code and caches that are not the attack's cost.
    const warmUp = clientOf(hostile);
    await warmUp.connect();
    await warmUp.close();
    const bystander = clientOf(healthy);
    await bystander.connect();
    const calls = keepCalling(bystander);
    const connectionsBefore = healthy.connections;
    const baseline = peakRssMiB();
    const outcomes: string[] = [];
    for (const attack of built) {
      hostile.setFault('daemon.info', { kind: 'garbage', bytes: attack.frame });
      const client = clientOf(hostile);
      const error = await rejectionOf<DelugeLimitError>(client.connect());
      expect(error, `${attack.shape}, ${attack.inflatedBytes} bytes`).toBeInstanceOf(DelugeLimitError);
      outcomes.push(`${attack.shape}, ${attack.inflatedBytes} bytes: refused: ${error.limit}`);
    }
    const growth = peakRssMiB() - baseline;
    expect(await calls.stop()).toBeGreaterThan(0);
    expect(healthy.connections).toBe(connectionsBefore);
    // Every hostile connection was dropped (the server sees the close a moment later).
    while (hostile.openConnections > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    console.info(`before login: peak RSS grew by ${growth.toFixed(1)} MiB\n${outcomes.join('\n')}`);
    expect(outcomes).toEqual([
      'empty lists, 204800 bytes: refused: maxContainers',
      'empty lists, 134217728 bytes: refused: maxFrameBytes',
      'empty dicts, 204800 bytes: refused: maxContainers',
      'empty dicts, 134217728 bytes: refused: maxFrameBytes',
      'tiny strings, 204800 bytes: refused: maxContainerEntries',
      'tiny strings, 134217728 bytes: refused: maxFrameBytes',
      'deep nesting, 204800 bytes: refused: maxDepth',
      'deep nesting, 134217728 bytes: refused: maxFrameBytes',
    ]);
    expect(growth).toBeLessThan(RSS_BOUND_BEFORE_LOGIN_MIB);
  }, 60_000);

  it('after login: each shape is refused or decoded within the budget, RSS bounded, another daemon unaffected', async () => {
    hostile.setFault('daemon.info', undefined);
    // A refused frame drops the connection, so every bomb call is the first after a login (ids 0, 1): id 2.
    const built = await attacks(2, [1_000_000, 128 * MiB]);
    let next: Attack | undefined;
    hostile.setFault('core.bomb', { kind: 'garbage', bytes: () => next?.frame ?? Buffer.alloc(0) });
    const client = clientOf(hostile);
    await client.connect();
    const bystander = clientOf(healthy);
    await bystander.connect();
    const calls = keepCalling(bystander);
    const connectionsBefore = healthy.connections;
    const baseline = peakRssMiB();
    const outcomes: string[] = [];
    for (const attack of built) {
      next = attack;
      const outcome = await client.call<unknown[]>({ method: 'core.bomb', args: [] }).then(
        (value) => `decoded ${value.length} items`,
        (error: unknown) => {
          expect(error, `${attack.shape}, ${attack.inflatedBytes} bytes`).toBeInstanceOf(DelugeLimitError);
          return `refused: ${(error as DelugeLimitError).limit}`;
        },
      );
      outcomes.push(`${attack.shape}, ${attack.inflatedBytes} bytes: ${outcome}`);
    }
    const growth = peakRssMiB() - baseline;
    expect(await calls.stop()).toBeGreaterThan(0);
    expect(healthy.connections).toBe(connectionsBefore);
    console.info(`after login: peak RSS grew by ${growth.toFixed(1)} MiB\n${outcomes.join('\n')}`);
    expect(outcomes).toEqual([
      'empty lists, 1000000 bytes: refused: maxContainers',
      'empty lists, 134217728 bytes: refused: maxInflateRatio',
      'empty dicts, 1000000 bytes: refused: maxContainers',
      'empty dicts, 134217728 bytes: refused: maxInflateRatio',
      'tiny strings, 1000000 bytes: decoded 500000 items',
      'tiny strings, 134217728 bytes: refused: maxInflateRatio',
      'deep nesting, 1000000 bytes: refused: maxDepth',
      'deep nesting, 134217728 bytes: refused: maxInflateRatio',
    ]);
    expect(growth).toBeLessThan(RSS_BOUND_AFTER_LOGIN_MIB);
  }, 120_000);
});
