/**
 * Test support for rencode: the tagged JSON form written by `scripts/gen-rencode-vectors.py`
 * (and by the live Python cross-check), and fast-check arbitraries of canonical decoded values.
 */
import fc from 'fast-check';
import type { RencodeDict, RencodeValue } from '../../../src/rpc/rencode.js';

/** JSON form of a decoded value: ints and floats are tagged so that no precision is lost. */
export type Tagged =
  | null
  | boolean
  | string
  | Tagged[]
  | { int: string }
  | { float: string }
  | { dict: [Tagged, Tagged][] };

/** Rebuilds the value our decoder must produce for a tagged Python value. */
export function fromTagged(tagged: Tagged): RencodeValue {
  if (tagged === null || typeof tagged === 'boolean' || typeof tagged === 'string') return tagged;
  if (Array.isArray(tagged)) return tagged.map(fromTagged);
  if ('int' in tagged) return canonicalInt(BigInt(tagged.int));
  if ('float' in tagged) return Buffer.from(tagged.float, 'hex').readDoubleBE(0);
  const entries = tagged.dict.map(([key, value]) => [fromTagged(key), fromTagged(value)] as const);
  if (!entries.every(([key]) => typeof key === 'string')) return new Map(entries);
  const dict: RencodeDict = {};
  for (const [key, value] of entries) {
    Object.defineProperty(dict, key as string, { value, writable: true, enumerable: true, configurable: true });
  }
  return dict;
}

/** An int as the decoder returns it: a number when safe, else a bigint. */
export function canonicalInt(n: bigint): number | bigint {
  const asNumber = Number(n);
  return Number.isSafeInteger(asNumber) ? asNumber : n;
}

/** Ints of every encoding width, up to the 63-character CHR_INT limit, in canonical form. */
export const intArbitrary: fc.Arbitrary<number | bigint> = fc.oneof(
  fc.integer({ min: -40, max: 50 }),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }).map(canonicalInt),
  fc.bigInt({ min: -(10n ** 62n) + 1n, max: 10n ** 63n - 1n }).map(canonicalInt),
);

/** Any double (NaN and ±Infinity included) and float32 values; -0 is the one value that decodes differently (as 0). */
export const floatArbitrary: fc.Arbitrary<number> = fc
  .oneof(fc.double(), fc.float().map(Math.fround))
  .map((x) => (Object.is(x, -0) ? 0 : x));

/** Strings of any Unicode scalar values (lone surrogates cannot travel through UTF-8). */
export const stringArbitrary: fc.Arbitrary<string> = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ maxLength: 10 }))
  .filter((s) => Buffer.from(s, 'utf8').toString('utf8') === s);

const scalarArbitrary: fc.Arbitrary<RencodeValue> = fc.oneof(
  fc.constantFrom(null, true, false),
  intArbitrary,
  floatArbitrary,
  stringArbitrary,
);

/** Hashable in Python and distinct after decoding: no booleans or floats (1 == True == 1.0 there). */
const mapKeyArbitrary: fc.Arbitrary<RencodeValue> = fc.oneof(
  intArbitrary,
  stringArbitrary,
  fc.constant(null),
  fc.array(fc.oneof(intArbitrary, stringArbitrary), { maxLength: 3 }),
);

function keyIdentity(key: RencodeValue): string {
  return JSON.stringify(key, (_, v) => (typeof v === 'bigint' ? `${v}n` : typeof v === 'number' ? `${v}#` : v));
}

/** Canonical decoded values: what `decode(encode(x))` must give back unchanged. */
export const valueArbitrary: fc.Arbitrary<RencodeValue> = fc.letrec<{
  value: RencodeValue;
  list: RencodeValue[];
  dict: RencodeDict;
  map: Map<RencodeValue, RencodeValue>;
}>((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, scalarArbitrary, tie('list'), tie('dict'), tie('map')),
  list: fc.array(tie('value'), { maxLength: 6 }),
  dict: fc.dictionary(stringArbitrary, tie('value'), { maxKeys: 6, noNullPrototype: true }),
  map: fc
    .uniqueArray(fc.tuple(mapKeyArbitrary, tie('value')), {
      minLength: 1,
      maxLength: 6,
      selector: ([key]) => keyIdentity(key),
    })
    .filter((entries) => entries.some(([key]) => typeof key !== 'string'))
    .map((entries) => new Map(entries)),
})).value;
