/**
 * Dicts that repeat the previous dict's keys are built by a compiled factory (src/rpc/dict-shapes.ts):
 * the result must be exactly what property-by-property decoding gives, whatever the keys.
 */
import { describe, expect, it } from 'vitest';
import { canHaveFactory } from '../../../src/rpc/dict-shapes.js';
import { decode, encode, type RencodeDict } from '../../../src/rpc/rencode.js';

const KEYS = ['name', 'state', 'label', 'total_wanted', 'total_done', 'progress', 'ratio', 'eta'];

function rows(count: number, keysOf: (i: number) => readonly string[]): Record<string, RencodeDict> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => [
      `id${i}`,
      Object.fromEntries(keysOf(i).map((key, k) => [key, k % 2 === 0 ? `${key}-${i}` : i * k + 0.5])),
    ]),
  );
}

describe('dicts built from a repeated key shape', () => {
  it('decode to the same values, key order and prototype as one by one', () => {
    const value = rows(500, () => KEYS);
    const decoded = decode(encode(value)) as Record<string, RencodeDict>;
    expect(decoded).toEqual(value);
    for (const id of ['id0', 'id1', 'id499']) {
      expect(Object.keys(decoded[id]!)).toEqual(KEYS);
      expect(Object.getPrototypeOf(decoded[id])).toBe(Object.prototype);
    }
  });

  it('stay exact when keys change order, differ in one key, or go missing between dicts', () => {
    const variants = [KEYS, [...KEYS].reverse(), [...KEYS.slice(0, 7), 'other'], KEYS.slice(0, 6), KEYS];
    const value = rows(200, (i) => variants[i % variants.length]!);
    const decoded = decode(encode(value)) as Record<string, RencodeDict>;
    expect(decoded).toEqual(value);
    expect(Object.keys(decoded.id1!)).toEqual([...KEYS].reverse());
  });

  it('never make a factory for __proto__ or non-printable keys, and still decode them as own properties', () => {
    const hostileKeys = ['__proto__', ...KEYS.slice(1)];
    expect(canHaveFactory(hostileKeys)).toBe(false);
    expect(canHaveFactory(['"}; process.exit(1); ({"', ...KEYS.slice(1)])).toBe(true);
    expect(canHaveFactory(['n\u00e9', ...KEYS.slice(1)])).toBe(false);
    const bytes = encode(rows(50, () => hostileKeys));
    const decoded = decode(bytes) as Record<string, RencodeDict>;
    expect(Object.getPrototypeOf(decoded.id7)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.id7, '__proto__')?.value).toBe('__proto__-7');
    const quoted = ['"}; globalThis.pwned = 1; ({"', ...KEYS.slice(1)];
    expect(decode(encode(rows(50, () => quoted)))).toEqual(rows(50, () => quoted));
    expect((globalThis as { pwned?: number }).pwned).toBeUndefined();
  });

  it('decode many distinct shapes correctly (factories are compiled for few of them)', () => {
    const value = rows(300, (i) => KEYS.map((key) => `${key}${i}`));
    expect(decode(encode(value))).toEqual(value);
  });
});
