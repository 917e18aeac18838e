import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DECODE_LIMITS,
  decode,
  decodeMessage,
  type EncodedRencode,
  encode,
  RencodeDecodeError,
  type RencodeDecodeErrorCode,
  RencodeEncodeError,
  type RencodeInput,
  type RencodeLimitError,
  type RencodeValue,
} from '../../../src/rpc/rencode.js';
import { floatArbitrary, intArbitrary, stringArbitrary, valueArbitrary } from './rencode-support.js';

const hex = (value: RencodeInput): string => encode(value).toString('hex');
const bytes = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

function decodeError(input: Uint8Array, options?: Parameters<typeof decode>[1]): RencodeDecodeError {
  try {
    decode(input, options);
  } catch (error) {
    if (error instanceof RencodeDecodeError) return error;
    throw error;
  }
  throw new Error('decode did not fail');
}

/** Decodes `input`, letting only a RencodeDecodeError through as a failure (fuzzing: anything else fails the test). */
function decodeOrDecodeError(input: Uint8Array): void {
  try {
    decode(input);
  } catch (error) {
    expect(error).toBeInstanceOf(RencodeDecodeError);
  }
}

function encodeError(value: unknown): RencodeEncodeError {
  try {
    encode(value as RencodeInput);
  } catch (error) {
    if (error instanceof RencodeEncodeError) return error;
    throw error;
  }
  throw new Error('encode did not fail');
}

describe('encode', () => {
  it('writes numbers: safe integers as ints, float32-exact as FLOAT32, others as FLOAT64', () => {
    expect(hex(-0)).toBe('00');
    expect(hex(2 ** 53 - 1)).toBe('41001fffffffffffff');
    expect(hex(-(2 ** 53 - 1))).toBe('41ffe0000000000001');
    expect(hex(25.3125)).toBe('4241ca8000');
    expect(hex(Math.fround(0.1))).toBe('423dcccccd');
    expect(hex(0.1)).toBe('2c3fb999999999999a');
    expect(hex(2 ** 60)).toBe('425d800000');
    expect(hex(2 ** 53 + 2)).toBe('2c4340000000000001');
    expect(hex(Number.POSITIVE_INFINITY)).toBe('427f800000');
    expect(hex(Number.NaN)).toBe('2c7ff8000000000000');
  });

  it('writes bigints with the int ladder, CHR_INT only outside int64', () => {
    expect(hex(5n)).toBe('05');
    expect(hex(-33n)).toBe('3edf');
    expect(hex(2n ** 63n - 1n)).toBe('417fffffffffffffff');
    expect(hex(-(2n ** 63n))).toBe('418000000000000000');
    expect(hex(10n ** 63n - 1n)).toBe(`3d${'39'.repeat(63)}7f`);
    expect(hex(-(10n ** 62n) + 1n)).toBe(`3d2d${'39'.repeat(62)}7f`);
  });

  it('refuses integers of 64 or more characters, naming their size', () => {
    expect(encodeError(10n ** 63n).message).toMatch(/64 characters/);
    expect(encodeError(-(10n ** 62n)).message).toMatch(/64 characters/);
  });

  it('encodes plain and null-prototype objects in key order, skipping undefined properties', () => {
    const bare = Object.create(null) as Record<string, RencodeInput>;
    bare.b = 1;
    bare.a = 2;
    expect(hex(bare)).toBe('68816201816102');
    expect(hex({ a: 1, skipped: undefined, b: null })).toBe('68816101816245');
  });

  it('encodes Maps as dicts with keys of any type and readonly arrays as lists', () => {
    const list: readonly RencodeInput[] = Object.freeze([1, 'a']);
    expect(hex(list)).toBe('c2018161');
    expect(
      hex(
        new Map<RencodeInput, RencodeInput>([
          [1, 'x'],
          [[1, 2], null],
        ]),
      ),
    ).toBe('68018178c2010245');
  });

  it('uses the long string form from 64 UTF-8 bytes, counting bytes not characters', () => {
    expect(hex('ü'.repeat(31))).toBe(`be${'c3bc'.repeat(31)}`);
    expect(hex('ü'.repeat(32))).toBe(`36343a${'c3bc'.repeat(32)}`);
    expect(hex('😀'.repeat(15))).toBe(`bc${'f09f9880'.repeat(15)}`);
  });

  it('grows its buffer for large values', () => {
    const big = { name: 'x'.repeat(300_000), items: Array.from({ length: 5000 }, (_, i) => i * 1000) };
    expect(decode(encode(big))).toEqual(big);
  });

  it.each([
    ['a function', () => 1, 'type function'],
    ['a symbol', Symbol('s'), 'type symbol'],
    ['undefined in a list', [1, undefined], 'type undefined'],
    ['a Date', new Date(0), 'instance of Date'],
    ['a Set', new Set([1]), 'instance of Set'],
    ['a Buffer', Buffer.from('ab'), 'instance of Buffer'],
  ])('refuses %s', (_, value, reason) => {
    expect(encodeError(value).message).toContain(reason);
  });

  it('locates the bad value in the error', () => {
    const error = encodeError({ args: [1, { deep: [() => 1] }] });
    expect(error.path).toEqual(['args', 1, 'deep', 0]);
    expect(error.message).toBe('cannot rencode a value of type function at $["args"][1]["deep"][0]');
  });

  it('refuses cyclic values instead of overflowing the stack', () => {
    const cyclic: RencodeInput[] = [];
    cyclic.push(cyclic);
    expect(encodeError(cyclic).message).toMatch(/nested deeper than 1000/);
  });
});

describe('decode', () => {
  it('keeps a __proto__ key as an own property without touching prototypes', () => {
    const decoded = decode(encode(JSON.parse('{"__proto__": {"polluted": true}, "a": 1}'))) as Record<
      string,
      RencodeValue
    >;
    expect(Object.getPrototypeOf(decoded)).toBe(Object.prototype);
    expect(Object.keys(decoded)).toEqual(['__proto__', 'a']);
    expect(Object.getOwnPropertyDescriptor(decoded, '__proto__')?.value).toEqual({ polluted: true });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('decodes a dict to a Map as soon as one key is not a string, keeping all entries', () => {
    const decoded = decode(bytes('6a 8161 01 8162 02 03 8163 8164 04'));
    expect(decoded).toEqual(
      new Map<RencodeValue, RencodeValue>([
        ['a', 1],
        ['b', 2],
        [3, 'c'],
        ['d', 4],
      ]),
    );
  });

  it('returns INT8 and CHR_INT values as numbers when safe, else bigints', () => {
    expect(decode(bytes('41001fffffffffffff'))).toBe(2 ** 53 - 1);
    expect(decode(bytes('410020000000000000'))).toBe(2n ** 53n);
    expect(decode(bytes('41ffe0000000000000'))).toBe(-(2n ** 53n));
    expect(decode(bytes('3d2d357f'))).toBe(-5);
  });

  it.each<[string, string, RencodeDecodeErrorCode, number]>([
    ['a stray terminator', '7f', 'UNKNOWN_TYPE', 0],
    ['a terminator inside a fixed list', 'c2017f', 'UNKNOWN_TYPE', 2],
    ['an empty CHR_INT', '3d7f', 'BAD_INTEGER', 0],
    ['a lone minus CHR_INT', '3d2d7f', 'BAD_INTEGER', 0],
    ['a minus inside CHR_INT', '3d312d7f', 'BAD_INTEGER', 2],
    ['a CHR_INT without terminator', '3d3132', 'TRUNCATED', 3],
    ['an 11-digit string length', '3132333435363738393031323a', 'BAD_LENGTH', 0],
    ['a string length without colon', '3634', 'TRUNCATED', 2],
    ['a trailing byte', '0000', 'TRAILING', 1],
  ])('rejects %s', (_, input, code, offset) => {
    const error = decodeError(bytes(input));
    expect(error.code).toBe(code);
    expect(error.offset).toBe(offset);
  });

  it('accepts trailing bytes when asked to, like Deluge', () => {
    expect(decode(bytes('c101ff'), { allowTrailing: true })).toEqual([1]);
  });

  it('refuses a string length beyond the input without allocating it', () => {
    const error = decodeError(Buffer.from('4000000000:abc', 'latin1'));
    expect(error.code).toBe('TRUNCATED');
    expect(error.message).toContain('need 4000000000 byte(s), 3 left');
  });

  it('stops at maxDepth for every container form', () => {
    for (const header of [0xc1, 0x3b, 0x67]) {
      const nested = Buffer.alloc(10_000, header);
      const error = decodeError(nested);
      expect(error.code).toBe('LIMIT');
      expect((error as RencodeLimitError).limit).toBe('maxDepth');
      expect(error.offset).toBe(100);
    }
    const fiveLists = bytes('c1c1c1c1c0');
    expect(decodeError(fiveLists, { limits: { maxDepth: 4 } }).code).toBe('LIMIT');
    expect(decode(fiveLists, { limits: { maxDepth: 5 } })).toEqual([[[[[]]]]]);
  });

  it('refuses a maxDepth outside 1…1000 and any other limit below 1', () => {
    expect(() => decode(bytes('00'), { limits: { maxDepth: 0 } })).toThrow(RangeError);
    expect(() => decode(bytes('00'), { limits: { maxDepth: 1001 } })).toThrow(RangeError);
    expect(() => decode(bytes('00'), { limits: { maxValues: 0 } })).toThrow(/maxValues/);
    expect(() => decode(bytes('00'), { limits: { maxStringBytes: 1.5 } })).toThrow(/maxStringBytes/);
  });

  it('reads from a Uint8Array view at an offset', () => {
    const backing = new Uint8Array([0xff, 0xc2, 0x01, 0x81, 0x61, 0xff]);
    expect(decode(backing.subarray(1, 5))).toEqual([1, 'a']);
  });
});

describe('rencode properties', () => {
  it('decode(encode(x)) gives x back', () => {
    fc.assert(
      fc.property(valueArbitrary, (value) => {
        expect(decode(encode(value))).toStrictEqual(value);
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips scalars of every width and long containers across the fixed-form limits', () => {
    const scalar = fc.oneof(intArbitrary, floatArbitrary, stringArbitrary);
    fc.assert(
      fc.property(fc.array(scalar, { minLength: 60, maxLength: 70 }), (items) => {
        expect(decode(encode(items))).toStrictEqual(items);
        const dict = Object.fromEntries(items.map((item, i) => [`k${i}`, item]));
        expect(decode(encode(dict))).toStrictEqual(dict);
      }),
      { numRuns: 60 },
    );
  });

  it('random bytes decode or fail with RencodeDecodeError, nothing else', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), decodeOrDecodeError), { numRuns: 2000 });
  });

  it('corrupted valid encodings decode or fail with RencodeDecodeError', () => {
    fc.assert(
      fc.property(valueArbitrary, fc.nat(), fc.integer({ min: 0, max: 255 }), (value, at, byte) => {
        const encoded = encode(value);
        encoded[at % encoded.length] = byte;
        decodeOrDecodeError(encoded);
      }),
      { numRuns: 500 },
    );
  });

  it('every strict prefix of an encoding fails with TRUNCATED', () => {
    fc.assert(
      fc.property(valueArbitrary, fc.nat(), (value, cut) => {
        const encoded = encode(value);
        const prefix = encoded.subarray(0, cut % encoded.length);
        expect(decodeError(prefix).code).toBe('TRUNCATED');
      }),
      { numRuns: 500 },
    );
  });
});

describe('EncodedRencode#release', () => {
  // ArrayBuffer#transfer exists from Node.js 22 on; on Node 20 releasing leaves everything as it was.
  const canTransfer = 'transfer' in ArrayBuffer.prototype;

  it('detaches the frame it was kept from, once read', () => {
    const big = { list: Array.from({ length: 5000 }, (_, index) => `item ${index}`) };
    const bytes = Buffer.from(encode([1, 2, big]));
    const [, , kept] = decodeMessage(bytes, DEFAULT_DECODE_LIMITS, (items) => items.length === 2) as [
      number,
      number,
      EncodedRencode,
    ];
    expect(kept.decode()).toEqual(big);
    const [keptLength, frameLength] = [kept.bytes.length, bytes.length];
    expect(frameLength).toBeGreaterThanOrEqual(32 * 1024);
    kept.release();
    expect(kept.bytes.length).toBe(canTransfer ? 0 : keptLength);
    expect(bytes.length).toBe(canTransfer ? 0 : frameLength);
  });
});
