import { readFileSync } from 'node:fs';
import type { CallMany } from '../../../src/collector/daemon-scrape.js';
import type { MetricFamily } from '../../../src/collector/types.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { DelugeRemoteError } from '../../../src/rpc/errors.js';
import type { RpcRequest, Settled } from '../../../src/rpc/types.js';

/** A decoded daemon snapshot: method → answer; `core.get_free_space` maps path → bytes. */
export type DaemonFixture = Record<string, unknown> & { 'core.get_free_space': Record<string, number> };

/** Reads `test/fixtures/rpc/<name>.json`. */
export function loadFixture(name: string): DaemonFixture {
  return JSON.parse(readFileSync(new URL(`../../fixtures/rpc/${name}.json`, import.meta.url), 'utf8')) as DaemonFixture;
}

/** An ExporterConfig with the documented defaults, overridable. */
export function testConfig(overrides: Partial<ExporterConfig> = {}): ExporterConfig {
  return {
    daemons: [],
    scrapeTimeoutOffsetSeconds: 0.5,
    perTorrent: { enabled: true, maxTorrents: 2000, states: [], labels: [], trackers: [], families: [] },
    stallWindowSeconds: 1800,
    disk: { maxPaths: 32, extraPaths: [] },
    libtorrentStats: false,
    maxFrameBytes: 64 * 1024 * 1024,
    ...overrides,
  };
}

/** A remote error as the RPC client reports it. */
export function remoteError(method: string, message: string): DelugeRemoteError {
  return new DelugeRemoteError(message, 'WrappedException', [message, 'KeyError', ''], {}, '', { method });
}

/** A fake CallMany answering from a fixture and recording each bundle; `failing` methods answer an error. */
export function fakeCallMany(fixture: DaemonFixture, failing: ReadonlySet<string> = new Set()) {
  const bundles: RpcRequest[][] = [];
  const callMany: CallMany = async (requests) => {
    bundles.push([...requests]);
    return requests.map((request): Settled<unknown> => {
      const path = typeof request.args[0] === 'string' ? request.args[0] : '';
      const key = request.method === 'core.get_free_space' ? `${request.method}(${path})` : request.method;
      if (failing.has(key) || failing.has(request.method)) {
        return { ok: false, error: remoteError(request.method, `${key} failed`) };
      }
      if (request.method === 'core.get_free_space') {
        const bytes = fixture['core.get_free_space'][path];
        return bytes === undefined ? { ok: true, value: -1 } : { ok: true, value: bytes };
      }
      return { ok: true, value: fixture[request.method] };
    });
  };
  return { callMany, bundles };
}

/** The family named `name`; fails the test when absent. */
export function findFamily(families: readonly MetricFamily[], name: string): MetricFamily {
  const found = families.find((family) => family.name === name);
  if (found === undefined) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(', ')}`);
  return found;
}

/** Values of a family's samples keyed by the value of one label (or `''` for unlabelled samples). */
export function valuesBy(family: MetricFamily, label?: string): Record<string, number> {
  return Object.fromEntries(family.samples.map((s) => [label === undefined ? '' : (s.labels[label] ?? ''), s.value]));
}
