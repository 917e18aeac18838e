/**
 * Shared parts of the Web UI client's amplification tests (test/unit/webui/amplification-*.test.ts,
 * one file per phase, so each measures its peak resident set in a process of its own): the attacks, a
 * fake hostile and a fake healthy Web UI, a bystander that keeps calling, and the peak RSS growth.
 */
import { afterAll, expect, it } from 'vitest';
import { WebUiClient, WebUiLimitError } from '../../src/webui/index.js';
import { type FakeWebUi, startFakeWebUi } from './fake-webui.js';
import { gzipJsonBomb, JSON_BOMB_SHAPES, type JsonBombShape, jsonBombChunks } from './json-bombs.js';
import { trackUnhandledRejections } from './unhandled-rejections.js';

/** The RPC client's bounds (test/unit/rpc/amplification.test.ts), in MiB of resident set growth over all attacks. */
export const RSS_BOUND_BEFORE_LOGIN_MIB = 32;
export const RSS_BOUND_AFTER_LOGIN_MIB = 160;

const MiB = 1024 * 1024;
const PASSWORD = 'web-Secret-Pw-51';

interface Attack {
  readonly label: string;
  readonly gzip: boolean;
  readonly shape: JsonBombShape;
  readonly bytes: number;
}

/** Every shape as a plain 2 MB answer and as a 128 MiB gzip bomb, then a plain answer past the byte budget. */
export const ATTACKS: readonly Attack[] = [
  ...JSON_BOMB_SHAPES.flatMap((shape) => [
    { label: `${shape}, 2000000 bytes`, gzip: false, shape, bytes: 2_000_000 },
    { label: `${shape}, 134217728 bytes gzip`, gzip: true, shape, bytes: 128 * MiB },
  ]),
  { label: 'tiny strings, 300 MiB plain', gzip: false, shape: 'tiny strings', bytes: 300 * MiB },
];

/** A hostile and a healthy fake Web UI, both connected to a daemon whose `core.bomb` the hostile one arms. */
interface Arena {
  readonly hostile: FakeWebUi;
  readonly healthy: FakeWebUi;
  /** A new client of `webUi` (closed by `close`). */
  clientOf(webUi: FakeWebUi): WebUiClient;
  /** Makes `method` of the hostile Web UI answer with `attack` (answer id `id`). */
  arm(method: string, attack: Attack, id: number): Promise<void>;
  /** Calls the healthy Web UI every few ms until the returned stop; which resolves with the successful calls. */
  keepCalling(client: WebUiClient): () => Promise<number>;
  close(): Promise<void>;
}

async function startArena(): Promise<Arena> {
  const handlers = { 'core.get_libtorrent_version': () => '2.0.8.0', 'core.bomb': () => null };
  const hosts = [{ id: 'h1', host: '127.0.0.1', port: 58846, username: 'admin' }];
  const options = { password: PASSWORD, hosts, connectedTo: 'h1', handlers, record: false };
  const hostile = await startFakeWebUi(options);
  const healthy = await startFakeWebUi(options);
  const clients: WebUiClient[] = [];
  const loops: (() => Promise<number>)[] = [];
  return {
    hostile,
    healthy,
    clientOf(webUi) {
      const client = new WebUiClient({ url: webUi.url, password: PASSWORD });
      clients.push(client);
      return client;
    },
    async arm(method, attack, id) {
      hostile.setFault(
        method,
        attack.gzip
          ? { kind: 'body', bytes: await gzipJsonBomb(attack.shape, attack.bytes, id), contentEncoding: 'gzip' }
          : { kind: 'body', bytes: () => jsonBombChunks(attack.shape, attack.bytes, id) },
      );
    },
    keepCalling(client) {
      let running = true;
      let ok = 0;
      const loop = (async () => {
        while (running) {
          expect(await client.call('core.get_libtorrent_version', [])).toBe('2.0.8.0');
          ok++;
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      })();
      const stop = async () => {
        running = false;
        await loop;
        return ok;
      };
      loops.push(stop);
      return stop;
    },
    async close() {
      for (const stop of loops) await stop();
      for (const client of clients) await client.close();
      await hostile.close();
      await healthy.close();
    },
  };
}

/** What a call ended in, as one comparable line: the limit that refused it, what was decoded, or the other error. */
function outcomeOf(label: string, result: Promise<unknown>): Promise<string> {
  return result.then(
    (value) => `${label}: decoded ${Array.isArray(value) ? `${value.length} items` : typeof value}`,
    (error: unknown) =>
      error instanceof WebUiLimitError
        ? `${label}: refused: ${error.limit}`
        : `${label}: ${error instanceof Error ? `${error.name}: ${error.message.slice(0, 100)}` : String(error)}`,
  );
}

/**
 * How far the process's peak resident set rose while `work` ran, in MiB: the kernel's high-water mark
 * (no spike is missed), so each phase runs in a process of its own (one test file each).
 */
async function rssGrowthDuring<T>(work: () => Promise<T>): Promise<{ result: T; growthMiB: number }> {
  const peakMiB = () => process.resourceUsage().maxRSS / 1024;
  const before = peakMiB();
  const result = await work();
  return { result, growthMiB: peakMiB() - before };
}

/** Which answer the attacks replace: the login's (a fresh client each), or a call's after one login. */
export type Phase = 'to the login' | 'to a call after login';

/**
 * The test of one phase (call it at the top of its own test file): every attack in turn, while a
 * client of the healthy Web UI keeps calling; `expected` checks the outcomes, the peak RSS growth must
 * stay below `boundMiB`, the hostile client works again afterwards and nothing rejects unhandled.
 */
export function amplificationPhaseTest(phase: Phase, boundMiB: number, expected: (outcomes: string[]) => void): void {
  const unhandled = trackUnhandledRejections();
  let arena: Arena | undefined;
  afterAll(async () => {
    await arena?.close();
    expect(unhandled).toEqual([]);
  });
  it(`${phase}: each attack refused or decoded within the budget, peak RSS bounded, another Web UI unaffected`, async () => {
    arena = await startArena();
    const { hostile, healthy, clientOf, arm, keepCalling } = arena;
    // Warm-up: the first connection and login load code and caches that are not the attacks' cost.
    const client = clientOf(hostile);
    await client.call('core.get_libtorrent_version', []);
    const stop = keepCalling(clientOf(healthy));
    const method = phase === 'to the login' ? 'auth.login' : 'core.bomb';
    const { result: outcomes, growthMiB } = await rssGrowthDuring(async () => {
      const outcomes: string[] = [];
      // A fresh client's login is id 1; the warm client logged in with 1 and called with 2.
      let id = 3;
      try {
        for (const attack of ATTACKS) {
          await arm(method, attack, phase === 'to the login' ? 1 : id++);
          const call =
            phase === 'to the login'
              ? clientOf(hostile).call('core.get_libtorrent_version', [])
              : client.call('core.bomb', []);
          outcomes.push(await outcomeOf(attack.label, call));
        }
      } finally {
        hostile.setFault(method, undefined);
      }
      return outcomes;
    });
    expect(await stop()).toBeGreaterThan(0);
    expect(await client.call('core.get_libtorrent_version', [])).toBe('2.0.8.0');
    console.info(`${phase}: peak RSS grew by ${growthMiB.toFixed(1)} MiB\n${outcomes.join('\n')}`);
    expected(outcomes);
    expect(growthMiB).toBeLessThan(boundMiB);
  }, 180_000);
}
