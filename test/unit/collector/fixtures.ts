import { readFileSync } from 'node:fs';
import type { Answers, Collected, Collector, CollectorContext, Requests } from '../../../src/collector/collector.js';
import { type MetricFamily, type SampleFamily, samplesOf } from '../../../src/collector/types.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { DelugeRemoteError } from '../../../src/rpc/errors.js';
import type { RencodeInput } from '../../../src/rpc/rencode.js';
import type { RpcRequest, Settled } from '../../../src/rpc/types.js';
import { type FakeHandler, FakeRemoteError } from '../../support/fake-daemon.js';

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

/** `method`, or `core.get_free_space(<path>)` for free-space calls: how `failing` sets name a call. */
function callKey(method: string, args: readonly unknown[]): string {
  return method === 'core.get_free_space' ? `${method}(${String(args[0])})` : method;
}

/** The fixture's answer to one call; `failing` calls fail like Deluge; unknown paths answer −1 (invalid). */
export function fixtureAnswer(
  fixture: DaemonFixture,
  request: RpcRequest,
  failing: ReadonlySet<string> = new Set(),
): Settled<unknown> {
  const key = callKey(request.method, request.args);
  if (failing.has(key) || failing.has(request.method)) {
    return { ok: false, error: remoteError(request.method, `${key} failed`) };
  }
  if (request.method === 'core.get_free_space') {
    return { ok: true, value: fixture['core.get_free_space'][String(request.args[0])] ?? -1 };
  }
  return { ok: true, value: fixture[request.method] };
}

/** Fake daemon handlers answering from a fixture; `failing` calls raise a Deluge exception. */
export function fixtureHandlers(
  fixture: DaemonFixture,
  failing: ReadonlySet<string> = new Set(),
): Record<string, FakeHandler> {
  const handlers: Record<string, FakeHandler> = {};
  for (const method of Object.keys(fixture)) {
    if (method === 'daemon.info') continue;
    handlers[method] = (args) => {
      const answer = fixtureAnswer(fixture, { method, args }, failing);
      if (!answer.ok) throw new FakeRemoteError('InvalidPathError', [answer.error.message]);
      return answer.value as RencodeInput;
    };
  }
  return handlers;
}

/** What one run of a collector against a fixture sent and derived. */
export interface CollectorRun<S> {
  readonly requests: Requests;
  readonly followUp: Requests;
  readonly collected: Collected<S>;
}

/** Runs one collector's two steps against a fixture, the way a daemon session does (without bundling). */
export function runCollector<S>(
  collector: Collector<S>,
  fixture: DaemonFixture,
  ctx: CollectorContext,
  state: S = collector.initialState,
  failing: ReadonlySet<string> = new Set(),
): CollectorRun<S> {
  const answer = (named: Requests): Map<string, Settled<unknown>> =>
    new Map(Object.entries(named).map(([name, request]) => [name, fixtureAnswer(fixture, request, failing)]));
  const requests = collector.requests(ctx, state);
  const first: Answers = answer(requests);
  const followUp = collector.followUp?.(first, ctx, state) ?? {};
  const collected = collector.collect(new Map([...first, ...answer(followUp)]), ctx, state);
  return { requests, followUp, collected };
}

/** The family named `name`, its samples as objects (column families too); fails the test when absent. */
export function findFamily(families: readonly MetricFamily[], name: string): SampleFamily {
  const found = families.find((family) => family.name === name);
  if (found === undefined) throw new Error(`no family ${name} in ${families.map((f) => f.name).join(', ')}`);
  return {
    name: found.name,
    help: found.help,
    type: found.type,
    labelNames: found.labelNames,
    samples: samplesOf(found),
  };
}

/** Values of a family's samples keyed by the value of one label (or `''` for unlabelled samples). */
export function valuesBy(family: MetricFamily, label?: string): Record<string, number> {
  return Object.fromEntries(
    samplesOf(family).map((s) => [label === undefined ? '' : (s.labels[label] ?? ''), s.value]),
  );
}
