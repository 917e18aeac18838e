/**
 * The fast paths of the rencode codec: the short-string caches (hits, misses, hash collisions,
 * non-ASCII), the dict-key shortcut (including its failure offsets), the switch of a dict to a `Map`
 * part-way, the byte-by-byte ASCII string and int writers, and the reserved dict header.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decode, encode, RencodeDecodeError, type RencodeValue } from '../../../src/rpc/rencode.js';

const bytes = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');
const fixedString = (s: string): Buffer => Buffer.concat([Buffer.of(0x80 + Buffer.byteLength(s)), Buffer.from(s)]);

function decodeError(input: Uint8Array): RencodeDecodeError {
  try {
    decode(input);
  } catch (error) {
    if (error instanceof RencodeDecodeError) return error;
    throw error;
  }
  throw new Error('decode did not fail');
}

describe('rencode short-string caches', () => {
  it('decodes strings whose cache hashes collide, alternating, each to its own bytes', () => {
    // "Aa" and "BB" share the 31-polynomial hash the caches use, so they fight over one slot.
    const list = ['Aa', 'BB', 'Aa', 'BB', 'AaBB', 'BBAa', 'AaAa', 'BBBB'];
    const dicts = list.map((key, i) => ({ [key]: list[(i + 1) % list.length] as string }));
    expect(decode(encode(list))).toEqual(list);
    expect(decode(encode(dicts))).toEqual(dicts);
  });

  it('decodes more distinct short strings than the caches have slots, twice, identically', () => {
    const keys = Array.from({ length: 10_000 }, (_, i) => `key_${i.toString(36)}`);
    const dict = Object.fromEntries(keys.map((key, i) => [key, keys[keys.length - 1 - i] as string]));
    const encoded = encode(dict);
    const first = decode(encoded) as Record<string, string>;
    expect(Object.keys(first)).toEqual(keys);
    expect(first).toEqual(dict);
    expect(decode(encoded)).toEqual(dict);
  });

  it('decodes short non-ASCII keys and values as UTF-8, and after them ASCII ones of the same length', () => {
    const dict = { é: 'ü', Zé: 'Üb', ab: 'xy', ['ñ'.repeat(16)]: 'x'.repeat(32) };
    expect(decode(encode(dict))).toEqual(dict);
    expect(decode(fixedString('\u00e9'))).toBe('é');
  });

  it('keeps decoding arbitrary short string dicts right across calls (cache state never leaks)', () => {
    const shortString = fc.string({ unit: 'grapheme', maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(shortString, shortString), { maxLength: 30 }), (entries) => {
        const dict: Record<string, string> = {};
        for (const [key, value] of entries) {
          Object.defineProperty(dict, key, { value, writable: true, enumerable: true, configurable: true });
        }
        const decoded = decode(encode(dict));
        expect(decoded).toEqual(dict);
        expect(decode(encode(entries.flat()))).toEqual(entries.flat());
      }),
      { numRuns: 300 },
    );
  });
});

describe('rencode dict-key shortcut', () => {
  it('fails a truncated fixed-string key with the same error as any truncated string', () => {
    // {<3-byte key>: …} cut after one key byte: TRUNCATED where the key's bytes start.
    const error = decodeError(bytes('67 83 61'));
    expect(error.code).toBe('TRUNCATED');
    expect(error.offset).toBe(2);
    expect(decodeError(bytes('83 61')).offset).toBe(1);
  });

  it('fails a dict that ends right after its header at the header end', () => {
    const error = decodeError(bytes('67'));
    expect(error.code).toBe('TRUNCATED');
    expect(error.offset).toBe(1);
  });

  it('turns a dict into a Map at its first non-string key, keeping every entry and its value', () => {
    const fixed = Buffer.concat([
      Buffer.of(0x66 + 4),
      fixedString('a'),
      Buffer.of(1),
      fixedString('b'),
      Buffer.of(2),
      Buffer.of(7),
      fixedString('seven'),
      fixedString('c'),
      Buffer.of(3),
    ]);
    expect(decode(fixed)).toEqual(
      new Map<RencodeValue, RencodeValue>([
        ['a', 1],
        ['b', 2],
        [7, 'seven'],
        ['c', 3],
      ]),
    );
    const terminated = Buffer.concat([Buffer.of(0x3c), fixedString('a'), Buffer.of(1, 0x45, 0x43, 0x7f)]);
    expect(decode(terminated)).toEqual(
      new Map<RencodeValue, RencodeValue>([
        ['a', 1],
        [null, true],
      ]),
    );
    expect(decodeError(terminated.subarray(0, -1)).code).toBe('TRUNCATED');
  });
});

describe('rencode encoder fast paths', () => {
  it('writes ASCII and non-ASCII strings around the 64-byte fixed-form limit exactly', () => {
    expect(encode('a'.repeat(63))).toEqual(Buffer.concat([Buffer.of(0x80 + 63), Buffer.from('a'.repeat(63))]));
    expect(encode('a'.repeat(64))).toEqual(Buffer.from(`64:${'a'.repeat(64)}`));
    expect(encode('é'.repeat(31))).toEqual(Buffer.concat([Buffer.of(0x80 + 62), Buffer.from('é'.repeat(31))]));
    expect(encode('é'.repeat(32))).toEqual(Buffer.from(`64:${'é'.repeat(32)}`));
    expect(encode(`${'a'.repeat(40)}é`)).toEqual(
      Buffer.concat([Buffer.of(0x80 + 42), Buffer.from(`${'a'.repeat(40)}é`)]),
    );
  });

  it('writes every int width big-endian, negative ones in two’s complement', () => {
    expect(encode(-33).toString('hex')).toBe('3edf');
    expect(encode(-129).toString('hex')).toBe('3fff7f');
    expect(encode(0x7fff).toString('hex')).toBe('3f7fff');
    expect(encode(-(2 ** 31)).toString('hex')).toBe('4080000000');
    expect(encode(2 ** 31 - 1).toString('hex')).toBe('407fffffff');
    expect(encode(2 ** 31).toString('hex')).toBe('410000000080000000');
    expect(encode(-(2 ** 40) - 5).toString('hex')).toBe('41fffffefffffffffb');
    expect(encode(Number.MAX_SAFE_INTEGER).toString('hex')).toBe('41001fffffffffffff');
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const encoded = encode(n);
        expect(decode(encoded)).toBe(n);
        if (encoded[0] === 0x41) expect(encoded.readBigInt64BE(1)).toBe(BigInt(n));
        if (encoded[0] === 0x40) expect(encoded.readInt32BE(1)).toBe(n);
      }),
    );
  });

  it('sizes the dict header by the defined properties only, on both sides of the fixed-form limit', () => {
    const withDefined = (defined: number, undefinedCount: number): Record<string, number | undefined> => {
      const dict: Record<string, number | undefined> = {};
      for (let i = 0; i < defined + undefinedCount; i++) dict[`k${i}`] = i < undefinedCount ? undefined : i;
      return dict;
    };
    const fixed = encode(withDefined(24, 3));
    expect(fixed[0]).toBe(0x66 + 24);
    expect(fixed.at(-1)).not.toBe(0x7f);
    expect(Object.keys(decode(fixed) as object)).toHaveLength(24);
    const terminated = encode(withDefined(25, 3));
    expect(terminated[0]).toBe(0x3c);
    expect(terminated.at(-1)).toBe(0x7f);
    expect(Object.keys(decode(terminated) as object)).toHaveLength(25);
    expect(encode(withDefined(0, 2))).toEqual(Buffer.of(0x66));
  });
});
