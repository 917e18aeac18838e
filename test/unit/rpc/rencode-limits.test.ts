import { describe, expect, it } from 'vitest';
import { torrentsStatusAnswer } from '../../../bench/payload.js';
import {
  DEFAULT_DECODE_LIMITS,
  decode,
  encode,
  type RencodeDecodeLimits,
  RencodeLimitError,
} from '../../../src/rpc/rencode.js';

const bytes = (h: string): Buffer => Buffer.from(h.replace(/ /g, ''), 'hex');

function limitError(input: Uint8Array, limits: Partial<RencodeDecodeLimits>): RencodeLimitError {
  try {
    decode(input, { limits });
  } catch (error) {
    if (error instanceof RencodeLimitError) return error;
    throw error;
  }
  throw new Error('decode did not fail');
}

/** A terminated list (CHR_LIST … 0x7F) of `count` copies of the one-byte value `item`. */
function terminatedList(count: number, item: number): Buffer {
  const out = Buffer.alloc(count + 2, item);
  out[0] = 0x3b;
  out[count + 1] = 0x7f;
  return out;
}

describe('rencode decoding budget', () => {
  it('serves a 100,000-torrent status answer with the default limits', () => {
    const answer = torrentsStatusAnswer(100_000);
    const decoded = decode(encode([1, 7, answer])) as [number, number, Record<string, unknown>];
    const ids = Object.keys(answer);
    expect(Object.keys(decoded[2])).toEqual(ids);
    for (const id of [ids[0], ids[50_000], ids[99_999]] as string[]) expect(decoded[2][id]).toEqual(answer[id]);
  }, 60_000);

  it('counts every value, dict keys included, and names the limit', () => {
    // {"a": 1, "b": 2} is 5 values: the dict, two keys, two ints.
    const dict = encode({ a: 1, b: 2 });
    expect(decode(dict, { limits: { maxValues: 5 } })).toEqual({ a: 1, b: 2 });
    const error = limitError(dict, { maxValues: 4 });
    expect(error.code).toBe('LIMIT');
    expect(error.limit).toBe('maxValues');
    expect(error.maximum).toBe(4);
    expect(error.message).toBe('rencode LIMIT at byte 6: more than 4 values (limit maxValues)');
  });

  it('refuses a fixed-count container that claims more items than the values left, before allocating it', () => {
    // A fixed list of 63 items with only 10 values of budget: refused at the list header (byte 0).
    const error = limitError(bytes('ff'), { maxValues: 10 });
    expect([error.limit, error.offset]).toEqual(['maxValues', 0]);
  });

  it('counts containers, empty ones too', () => {
    const emptyLists = terminatedList(1000, 0xc0);
    expect((decode(emptyLists, { limits: { maxContainers: 1001 } }) as unknown[]).length).toBe(1000);
    const error = limitError(emptyLists, { maxContainers: 1000 });
    expect([error.limit, error.offset]).toEqual(['maxContainers', 1000]);
    const emptyDicts = terminatedList(1000, 0x66);
    expect(limitError(emptyDicts, { maxContainers: 10 }).limit).toBe('maxContainers');
  });

  it('bounds the entries of one list or dict, fixed or terminated', () => {
    expect(limitError(terminatedList(100, 0x00), { maxContainerEntries: 99 }).limit).toBe('maxContainerEntries');
    expect((decode(terminatedList(100, 0x00), { limits: { maxContainerEntries: 100 } }) as unknown[]).length).toBe(100);
    expect(limitError(encode([1, 2, 3]), { maxContainerEntries: 2 }).limit).toBe('maxContainerEntries');
    const bigDict = encode(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, i])));
    expect(limitError(bigDict, { maxContainerEntries: 29 }).limit).toBe('maxContainerEntries');
    const mapWithIntKeys = encode(new Map(Array.from({ length: 30 }, (_, i) => [i, i])));
    expect(limitError(mapWithIntKeys, { maxContainerEntries: 29 }).limit).toBe('maxContainerEntries');
    expect((decode(mapWithIntKeys, { limits: { maxContainerEntries: 30 } }) as Map<unknown, unknown>).size).toBe(30);
  });

  it('counts string bytes, cached short strings and dict keys included', () => {
    expect(limitError(encode(['abc', 'def']), { maxStringBytes: 5 }).limit).toBe('maxStringBytes');
    expect(decode(encode(['abc', 'def']), { limits: { maxStringBytes: 6 } })).toEqual(['abc', 'def']);
    expect(limitError(encode({ abcdef: 1 }), { maxStringBytes: 5 }).limit).toBe('maxStringBytes');
    expect(limitError(encode('x'.repeat(1000)), { maxStringBytes: 999 }).limit).toBe('maxStringBytes');
  });

  it('refuses 16 MiB of empty lists with the defaults, at the container limit', () => {
    const error = limitError(terminatedList(16 * 1024 * 1024, 0xc0), {});
    expect(error.limit).toBe('maxContainers');
    expect(error.maximum).toBe(DEFAULT_DECODE_LIMITS.maxContainers);
    expect(limitError(terminatedList(16 * 1024 * 1024, 0x00), {}).limit).toBe('maxContainerEntries');
  });

  it('refuses many lists of tiny items at the value limit, and empty dicts nested in lists at the container limit', () => {
    // 20 lists of 999,999 zeros: 20 million values, every list under the entry limit.
    const chunk = terminatedList(999_999, 0x00);
    const lists = Buffer.concat([Buffer.of(0x3b), ...Array.from({ length: 20 }, () => chunk), Buffer.of(0x7f)]);
    expect(limitError(lists, {}).limit).toBe('maxValues');
    const dictChunk = terminatedList(999_999, 0x66);
    const dicts = Buffer.concat([Buffer.of(0x3b), dictChunk, dictChunk, Buffer.of(0x7f)]);
    expect(limitError(dicts, {}).limit).toBe('maxContainers');
  }, 30_000);
});
