/**
 * Fuzz target of the collectors: from decoded daemon answers (any shape a rencode decoder can
 * return, hostile values and Deluge-like ones) to families, through the same steps a daemon session
 * takes (bundle, route, follow-up, derive, check, merge, render). Nothing may throw; what comes out
 * is always a valid exposition without duplicate series, with bounded label values and bounded state.
 */
import fc from 'fast-check';
import { buildBundle, joinAnswers, routeAnswers } from '../../src/collector/bundle.js';
import type { Answers, Collector, CollectorContext, Requests } from '../../src/collector/collector.js';
import { enabledCollectors } from '../../src/collector/collectors.js';
import { deriveFamilies } from '../../src/collector/derive.js';
import type { DiskState } from '../../src/collector/disk.js';
import { expositionText, renderFamilies } from '../../src/collector/exposition.js';
import { checkFamilies, MAX_LABEL_VALUE_LENGTH, mergeFamilies } from '../../src/collector/families.js';
import { SESSION_STATUS_KEYS } from '../../src/collector/session.js';
import { AGGREGATE_TORRENT_KEYS } from '../../src/collector/torrents.js';
import type { ExporterConfig } from '../../src/config/types.js';
import { DelugeRemoteError } from '../../src/rpc/errors.js';
import { DEFAULT_DECODE_LIMITS, decodeMessage, encode, type RencodeInput } from '../../src/rpc/rencode.js';
import type { RpcRequest, Settled } from '../../src/rpc/types.js';
import { parseExposition } from '../support/exposition.js';
import { testConfig } from '../unit/collector/fixtures.js';
import type { FuzzTarget } from './target.js';

const TORRENT_KEYS = [
  ...AGGREGATE_TORRENT_KEYS,
  'name',
  'progress',
  'eta',
  'ratio',
  'total_peers',
  'num_seeds',
  'time_added',
];
const CONFIG_KEYS = [
  'download_location',
  'move_completed',
  'move_completed_path',
  'max_download_speed',
  'stop_seed_at_ratio',
  'stop_seed_ratio',
  'max_active_limit',
];
const LIBTORRENT_KEYS = [
  'dht.dht_bytes_in',
  'dht.dht_bytes_in_total',
  'x.a-b',
  'x.a_b',
  'net.on_read_counter',
  'ses.num_x',
];

const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.integer(),
  fc.double(),
  fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }),
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -2, max: 2 }).map((delta) => 'v'.repeat(MAX_LABEL_VALUE_LENGTH + delta)),
  fc.constantFrom('Downloading', 'Seeding', 'Error', '/data', '/data/a', '', '-1', 'x\ny"z\\'),
  fc.boolean(),
  fc.constant(null),
);

const hex40 = fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 });
const anyKey = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.constantFrom(...TORRENT_KEYS, ...CONFIG_KEYS, ...LIBTORRENT_KEYS),
);

/** Any decoded value: scalars, lists, dicts with string keys, Maps (dicts with other keys). */
const anyValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(anyKey, tie('value'), { maxKeys: 4 }),
    fc
      .array(fc.tuple(fc.oneof(fc.integer(), fc.string({ maxLength: 4 })), tie('value')), { maxLength: 3 })
      .map((entries) => new Map(entries)),
  ),
})).value;

const torrentStatus = fc.dictionary(fc.constantFrom(...TORRENT_KEYS), scalar, { maxKeys: TORRENT_KEYS.length });
const torrents = fc.dictionary(
  fc.oneof(hex40, hex40, fc.string({ maxLength: 41 })),
  fc.oneof(torrentStatus, torrentStatus, anyValue),
  {
    maxKeys: 6,
  },
);
const sessionStatus = fc.dictionary(fc.constantFrom(...SESSION_STATUS_KEYS, ...LIBTORRENT_KEYS), scalar, {
  maxKeys: 10,
});
const configValues = fc.dictionary(fc.constantFrom(...CONFIG_KEYS), scalar, { maxKeys: CONFIG_KEYS.length });

const SHAPED: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  'core.get_session_status': sessionStatus,
  'core.get_torrents_status': torrents,
  'core.get_config_values': configValues,
  'core.get_enabled_plugins': fc.array(fc.oneof(fc.string({ maxLength: 6 }), scalar), { maxLength: 4 }),
  'core.is_session_paused': fc.oneof(fc.boolean(), scalar),
  'core.get_free_space': fc.oneof(fc.integer({ min: -1, max: 2 ** 40 }), scalar),
  'daemon.info': fc.oneof(fc.constant('2.0.3'), scalar),
  'core.get_libtorrent_version': fc.oneof(fc.constant('2.0.8.0'), scalar),
};

const failure = (method: string): Settled<unknown> => ({
  ok: false,
  error: new DelugeRemoteError('boom', 'WrappedException', ['boom'], {}, '', { method }),
});

/** Per method, a few answers: a Deluge exception, a value shaped like the method's answer, or anything. */
type AnswerSeeds = Readonly<Record<string, readonly Settled<unknown>[]>>;

const answerSeeds: fc.Arbitrary<AnswerSeeds> = fc.record(
  Object.fromEntries(
    Object.entries(SHAPED).map(([method, shaped]) => [
      method,
      fc.array(
        fc.oneof(
          { arbitrary: fc.constant(failure(method)), weight: 1 },
          { arbitrary: shaped.map((value): Settled<unknown> => ({ ok: true, value })), weight: 4 },
          { arbitrary: anyValue.map((value): Settled<unknown> => ({ ok: true, value })), weight: 1 },
        ),
        { minLength: 1, maxLength: 3 },
      ),
    ]),
  ),
);

const configArbitrary: fc.Arbitrary<ExporterConfig> = fc
  .record({
    libtorrentStats: fc.boolean(),
    maxTorrents: fc.integer({ min: 0, max: 4 }),
    perTorrentEnabled: fc.boolean(),
    maxPaths: fc.integer({ min: 0, max: 3 }),
    extraPaths: fc.array(fc.constantFrom('/data', '/srv', '/x'), { maxLength: 2 }),
  })
  .map(({ libtorrentStats, maxTorrents, perTorrentEnabled, maxPaths, extraPaths }) => {
    const defaults = testConfig();
    return testConfig({
      libtorrentStats,
      perTorrent: { ...defaults.perTorrent, enabled: perTorrentEnabled, maxTorrents },
      disk: { maxPaths, extraPaths: [...new Set(extraPaths)] },
    });
  });

function settle(seeds: AnswerSeeds, offset: number, method: string): Settled<unknown> {
  const answers = seeds[method] ?? [failure(method)];
  return answers[offset % answers.length] as Settled<unknown>;
}

/**
 * What the RPC client hands over for `request`: with `encodedAnswer`, a value it got is kept encoded
 * (through a reply message, as on the wire), so the collectors read it the way they read a daemon's.
 */
function delivered(request: RpcRequest, settled: Settled<unknown>): Settled<unknown> {
  if (request.encodedAnswer !== true || !settled.ok) return settled;
  const reply = Buffer.concat([Buffer.from([0xc3, 0x01, 0x07]), encode(settled.value as RencodeInput)]);
  const message = decodeMessage(reply, DEFAULT_DECODE_LIMITS, (before) => before.length === 2);
  return { ok: true, value: (message as unknown[])[2] };
}

/** One bundle answered from the seeds; sometimes the transport leaves the last answer out. */
function answer(perCollector: ReadonlyMap<string, Requests>, seeds: AnswerSeeds, offset: number, short: boolean) {
  const bundle = buildBundle(perCollector);
  const results = bundle.requests.map((request, index) =>
    delivered(request, settle(seeds, offset + index, request.method)),
  );
  return routeAnswers(bundle, short ? results.slice(0, -1) : results);
}

/** The properties every derivation must have, whatever the answers. */
function checkScrape(
  collectors: readonly Collector<unknown>[],
  ctx: CollectorContext,
  derived: ReturnType<typeof deriveFamilies>,
) {
  const { families, conflicts } = mergeFamilies(derived.families);
  if (conflicts.length > 0) throw new Error(`one daemon's families conflict: ${conflicts.join(', ')}`);
  checkFamilies(families, new Set()); // throws on a duplicate series or a bad label
  const text = expositionText(renderFamilies(families));
  const parsed = parseExposition(text);
  const keys = new Set<string>();
  for (const sample of parsed.samples) {
    const key = JSON.stringify([sample.name, Object.entries(sample.labels).sort()]);
    if (keys.has(key)) throw new Error(`duplicate series ${key.slice(0, 200)}`);
    keys.add(key);
    for (const value of Object.values(sample.labels)) {
      if (value.length > MAX_LABEL_VALUE_LENGTH) throw new Error('label value longer than the limit');
    }
    if (!Number.isFinite(sample.value)) throw new Error(`non-finite sample ${sample.name}`);
  }
  for (const collector of collectors) {
    if (typeof derived.collectorSuccess[collector.name] !== 'boolean')
      throw new Error(`no success for ${collector.name}`);
    if (collector.required && !derived.collectorSuccess[collector.name] && derived.up)
      throw new Error('up without a required collector');
  }
  const disk = derived.states.get('disk') as DiskState | undefined;
  if (disk !== undefined && disk.knownPaths.length > ctx.config.disk.maxPaths)
    throw new Error('known paths above disk.max_paths');
}

/** Three scrapes in a row (state carried over), each through both steps. */
function scrapeThrice(config: ExporterConfig, seeds: AnswerSeeds, short: boolean): void {
  const collectors = enabledCollectors(config);
  const ctx: CollectorContext = { daemon: 'd', scrapeTimeSeconds: 1_795_466_400, config };
  let states: ReadonlyMap<string, unknown> = new Map(collectors.map((c) => [c.name, c.initialState]));
  for (let scrape = 0; scrape < 3; scrape++) {
    const first = answer(
      new Map(collectors.map((c) => [c.name, c.requests(ctx, states.get(c.name))])),
      seeds,
      scrape * 7,
      short,
    );
    const followUps = new Map<string, Requests>();
    for (const c of collectors) {
      const requests = c.followUp?.(first.get(c.name) ?? new Map(), ctx, states.get(c.name)) ?? {};
      if (Object.keys(requests).length > 0) followUps.set(c.name, requests);
    }
    const second = followUps.size === 0 ? new Map<string, Answers>() : answer(followUps, seeds, scrape + 1, false);
    const answers = new Map(
      collectors.map((c) => [c.name, joinAnswers(first.get(c.name), second.get(c.name))] as const),
    );
    const derived = deriveFamilies(collectors, states, answers, ctx);
    checkScrape(collectors, ctx, derived);
    states = derived.states;
  }
}

/** Fuzz targets of src/collector. */
export const collectorFuzzTargets: readonly FuzzTarget[] = [
  {
    name: 'collector-derive',
    description:
      'decoded answers of any shape → bundle, follow-up, derive, check, merge, render: never throws; valid exposition, no duplicate series, bounded labels and state',
    run(cases: number, seed: number): void {
      fc.assert(
        fc.property(configArbitrary, answerSeeds, fc.boolean(), (config, seeds, short) =>
          scrapeThrice(config, seeds, short),
        ),
        { numRuns: cases, seed },
      );
    },
  },
];
