/**
 * The torrent summary of an answer kept encoded (visited without building a dict per torrent) is
 * exactly the summary of the same answer decoded, for valid and hostile answers alike.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { torrentsStatusAnswer } from '../../../bench/payload.js';
import {
  AGGREGATE_TORRENT_KEYS,
  summarizeTorrents,
  type TorrentSummary,
  TRACKER_TORRENT_KEYS,
} from '../../../src/collector/torrent-summary.js';
import { torrentAggregateFamilies } from '../../../src/collector/torrents.js';
import { trackerAggregateFamilies } from '../../../src/collector/trackers.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import {
  DEFAULT_DECODE_LIMITS,
  decode,
  decodeMessage,
  type EncodedRencode,
  encode,
  type RencodeValue,
} from '../../../src/rpc/rencode.js';
import { valueArbitrary } from '../rpc/rencode-support.js';
import { testConfig } from './fixtures.js';

const STATES = ['Downloading', 'Seeding', 'Paused', 'Weird', ''];
const LABELS = ['', 'movies', 'linux'];
const HOSTS = ['', 'alpha.org', 'beta.net'];
// Long paths (a rencode string of over 64 bytes has a length prefix), paths of one length that
// differ in one byte, and UTF-8: the visit reuses a field's last string only for the same bytes.
const LONG_PATH = `/srv/${'seedbox/'.repeat(9)}a`;
const PATHS = [
  '',
  '/downloads',
  '/mnt/seed',
  '/mnt/seee',
  LONG_PATH,
  `${LONG_PATH.slice(0, -1)}b`,
  '/données/€',
  '/données/£',
];
const TRACKER_STATUSES = [
  'Announce OK',
  'Error: Unregistered torrent',
  'error: Invalid passkey',
  'Error: timed out',
  'Warning: x',
  `Error: ${'tracker is down for maintenance, '.repeat(3)}`,
  '',
];

const pick = (values: readonly string[]) => fc.constantFrom(...values);
const hostileNumber = fc.oneof(
  fc.integer({ min: -2, max: 4000 }),
  fc.double(),
  fc.constantFrom(-1, 0, 1800, 1801, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53 + 2, 1e62),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
);
const fieldValue: fc.Arbitrary<RencodeValue> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(pick(STATES), pick(LABELS), pick(HOSTS), pick(PATHS), pick(TRACKER_STATUSES)) },
  { weight: 4, arbitrary: hostileNumber as fc.Arbitrary<RencodeValue> },
  { weight: 1, arbitrary: fc.constantFrom(true, false, null) },
  { weight: 1, arbitrary: valueArbitrary },
);
const FIELDS = [...new Set([...AGGREGATE_TORRENT_KEYS, ...TRACKER_TORRENT_KEYS]), 'name', '__proto__'];
/** A key of a dict on the wire: mostly strings, sometimes an int (the decoder then makes a Map). */
const fieldKey: fc.Arbitrary<RencodeValue> = fc.oneof(
  { weight: 12, arbitrary: pick(FIELDS) },
  { weight: 1, arbitrary: fc.integer() },
);

type Entries = readonly (readonly [RencodeValue, Wire])[];
/** A value to put on the wire: a dict as entries (repeated keys allowed), or any other value. */
type Wire = { readonly dict: Entries } | { readonly value: RencodeValue };

const statusDict: fc.Arbitrary<Wire> = fc
  .array(
    fc.tuple(
      fieldKey,
      fieldValue.map((value): Wire => ({ value })),
    ),
    { maxLength: 14 },
  )
  .map((dict) => ({ dict }));
const VALID_IDS = ['a'.repeat(40), 'b'.repeat(40), `${'0123456789abcdef'.repeat(2)}01234567`, 'f'.repeat(40)];
const torrentId: fc.Arbitrary<RencodeValue> = fc.oneof(
  { weight: 8, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 40, maxLength: 40 }) },
  // a few ids often, so that some answers repeat one
  { weight: 1, arbitrary: pick(VALID_IDS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 40, maxLength: 40 }) },
  { weight: 1, arbitrary: pick(['A'.repeat(40), 'a'.repeat(39), '__proto__', '5', '']) },
  { weight: 1, arbitrary: fc.integer() },
);
const answerWire: fc.Arbitrary<Wire> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .array(
        fc.tuple(
          torrentId,
          fc.oneof(
            { weight: 6, arbitrary: statusDict },
            { weight: 1, arbitrary: valueArbitrary.map((value): Wire => ({ value })) },
          ),
        ),
        { maxLength: 30 },
      )
      .map((dict) => ({ dict })),
  },
  { weight: 1, arbitrary: valueArbitrary.map((value): Wire => ({ value })) },
);

/** rencode of a wire value; dicts in the short or the terminated form, repeated keys as given. */
function wireBytes(wire: Wire, terminated: boolean): Buffer {
  if ('value' in wire) return encode(wire.value);
  const parts = wire.dict.flatMap(([key, value]) => [encode(key), wireBytes(value, terminated)]);
  const short = !terminated && wire.dict.length < 25;
  return Buffer.concat([
    Buffer.from([short ? 102 + wire.dict.length : 60]),
    ...parts,
    ...(short ? [] : [Buffer.from([127])]),
  ]);
}

const configArbitrary: fc.Arbitrary<ExporterConfig> = fc
  .record({
    enabled: fc.boolean(),
    states: fc.subarray(STATES),
    labels: fc.subarray(LABELS),
    trackers: fc.subarray(HOSTS),
    stallWindowSeconds: fc.constantFrom(0, 1800, 1e9),
  })
  .map(({ enabled, states, labels, trackers, stallWindowSeconds }) => {
    const base = testConfig();
    return { ...base, stallWindowSeconds, perTorrent: { ...base.perTorrent, enabled, states, labels, trackers } };
  });

/** Everything in a summary, maps and sets as entry lists in their order. */
function plain(summary: TorrentSummary): unknown {
  return Object.fromEntries(
    Object.entries(summary).map(([key, value]) => [
      key,
      value instanceof Map || value instanceof Set ? [...value] : value,
    ]),
  );
}

/** The summary of `bytes` kept encoded, as the RPC client hands it over (result of a reply, checked). */
function keptEncoded(bytes: Buffer): EncodedRencode {
  const message = decodeMessage(
    Buffer.concat([Buffer.from([0xc3, 0x01, 0x07]), bytes]),
    DEFAULT_DECODE_LIMITS,
    (before) => before.length === 2,
  );
  return (message as unknown[])[2] as EncodedRencode;
}

function summaryOrError(answer: unknown, config: ExporterConfig): unknown {
  try {
    return plain(summarizeTorrents(answer, config));
  } catch (error) {
    return `${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

describe('torrent summary of an answer kept encoded', () => {
  it('equals the summary of the decoded answer, hostile answers included (ids, statuses, keys, values, repeats)', () => {
    fc.assert(
      fc.property(answerWire, fc.boolean(), configArbitrary, (wire, terminated, config) => {
        const bytes = wireBytes(wire, terminated);
        expect(summaryOrError(keptEncoded(bytes), config)).toEqual(summaryOrError(decode(bytes), config));
      }),
      { numRuns: 1000 },
    );
  }, 120_000);

  it('gives the same families for a realistic answer of 2,000 torrents', () => {
    const config = testConfig();
    const bytes = encode(torrentsStatusAnswer(2000));
    const visited = summarizeTorrents(keptEncoded(bytes), config);
    const decoded = summarizeTorrents(decode(bytes), config);
    expect(visited.torrentCount).toBe(2000);
    expect(plain(visited)).toEqual(plain(decoded));
    expect(torrentAggregateFamilies(visited, 'd')).toEqual(torrentAggregateFamilies(decoded, 'd'));
    expect(trackerAggregateFamilies(visited, 'd')).toEqual(trackerAggregateFamilies(decoded, 'd'));
  });

  it('counts a repeated id once, with its last status, like the decoded dict', () => {
    const id = 'c'.repeat(40);
    const wire: Wire = {
      dict: [
        [id, { dict: [['state', { value: 'Seeding' }]] }],
        ['x', { value: 1 }],
        [id, { dict: [['state', { value: 'Paused' }]] }],
      ],
    };
    const summary = summarizeTorrents(keptEncoded(wireBytes(wire, true)), testConfig());
    expect(summary.torrentCount).toBe(1);
    expect(summary.byState.get('Paused')).toBe(1);
    expect(summary.byState.get('Seeding')).toBe(0);
    expect(summary.skipped).toEqual({ invalid_id: 1, invalid_status: 0 });
  });

  it('reads a status dict with a non-string key by its string keys, and an own __proto__ key as a key', () => {
    const id = 'd'.repeat(40);
    const wire: Wire = {
      dict: [
        [
          id,
          {
            dict: [
              [7, { value: 'x' }],
              ['__proto__', { value: 'Seeding' }],
              ['state', { value: 'Downloading' }],
            ],
          },
        ],
      ],
    };
    const bytes = wireBytes(wire, false);
    const visited = summarizeTorrents(keptEncoded(bytes), testConfig());
    expect(visited.byState.get('Downloading')).toBe(1);
    expect(plain(visited)).toEqual(plain(summarizeTorrents(decode(bytes), testConfig())));
  });
});
