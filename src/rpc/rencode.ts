/**
 * rencode, the serialisation Deluge 2.x speaks inside every RPC frame, byte-compatible with the
 * Cython `rencode` 1.0.6 that `deluged` runs (`rencode.dumps(data)` / `rencode.loads(data, decode_utf8=True)`).
 *
 * Value mapping (Python ⇄ JS):
 * - `None` ⇄ `null`, `True`/`False` ⇄ `true`/`false`.
 * - `int` ⇄ `number` when it is a safe integer, otherwise `bigint`. On encode every safe-integer `number`
 *   and every `bigint` is written as an int (smallest form of the int ladder; `-0` is int 0).
 * - `float` ⇄ non-integer (or unsafe-integer) `number`. Encoded as FLOAT32 when `Math.fround(x) === x`
 *   (byte-identical with Python for such values), else FLOAT64, so no precision is ever lost.
 * - `str` ⇄ `string`, UTF-8. Invalid UTF-8 decodes leniently to U+FFFD; lone surrogates encode as U+FFFD.
 * - `list`/`tuple` ⇄ array.
 * - `dict` whose keys are all strings ⇄ plain object (wire order; a `__proto__` key becomes an own
 *   property, never the prototype). A `dict` with any non-string key ⇄ `Map` (e.g. the int keys of
 *   `core.get_auth_levels_mappings`). On encode, plain objects and `Map`s both become dicts.
 */

import { canHaveFactory, type DictFactory, factoryFor, MAX_SHAPE_KEYS, MIN_SHAPE_KEYS } from './dict-shapes.js';
import { releaseBytes } from './release-bytes.js';
import type { RencodeDict, RencodeValue } from './rencode-value.js';

export type { RencodeDict, RencodeValue } from './rencode-value.js';

/**
 * What `encode` accepts: like {@link RencodeValue}, but readonly containers are fine, and object
 * properties whose value is `undefined` are left out (as `JSON.stringify` does; this also lets
 * optional fields and TypeScript's widened object-literal unions through).
 */
export type RencodeInput =
  | null
  | boolean
  | number
  | bigint
  | string
  | readonly RencodeInput[]
  | { readonly [key: string]: RencodeInput | undefined }
  | ReadonlyMap<RencodeInput, RencodeInput>;

/** Why a byte sequence is not valid rencode, or (`LIMIT`) would cost more than the decoding budget allows. */
export type RencodeDecodeErrorCode = 'TRUNCATED' | 'UNKNOWN_TYPE' | 'BAD_LENGTH' | 'BAD_INTEGER' | 'LIMIT' | 'TRAILING';

/** The input is not valid rencode. `offset` is the byte position where decoding failed. */
export class RencodeDecodeError extends Error {
  override readonly name = 'RencodeDecodeError';
  constructor(
    readonly code: RencodeDecodeErrorCode,
    readonly offset: number,
    detail: string,
  ) {
    super(`rencode ${code} at byte ${offset}: ${detail}`);
  }
}

/**
 * A value cannot be rencoded (function, symbol, undefined, class instance, integer of 64 or more
 * characters, cycle …). `path` locates it inside the encoded value, e.g. `['args', 2]`.
 */
export class RencodeEncodeError extends Error {
  override readonly name = 'RencodeEncodeError';
  readonly path: (string | number)[] = [];
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * What decoding one value may allocate. Each count is checked before the allocation it guards, so
 * a few bytes that claim (or repeat) a lot fail fast instead of filling the heap. Every limit is a
 * positive integer; see {@link DEFAULT_DECODE_LIMITS}.
 */
export interface RencodeDecodeLimits {
  /** Deepest container nesting (a list holding a list is depth 2). At most 1000 (the decoder recurses). */
  readonly maxDepth: number;
  /** Decoded values of any kind: every scalar, string, list, dict and dict key counts one. */
  readonly maxValues: number;
  /** Lists and dicts together (each costs an object even when empty). */
  readonly maxContainers: number;
  /** Items of any one list, entries of any one dict. */
  readonly maxContainerEntries: number;
  /** Bytes of all strings together, dict keys included, as UTF-8 on the wire. */
  readonly maxStringBytes: number;
}

/**
 * Defaults sized for the largest answer an exporter asks for: `core.get_torrents_status` of 100,000
 * torrents with ~26 keys each is 5.4 million values, 100,000 containers in a 100,000-entry dict and
 * 42 MB of strings, so every limit leaves at least 3× room (5× for containers, 10× for the entries
 * of one container).
 */
export const DEFAULT_DECODE_LIMITS: RencodeDecodeLimits = Object.freeze({
  maxDepth: 100,
  maxValues: 16_000_000,
  maxContainers: 500_000,
  maxContainerEntries: 1_000_000,
  maxStringBytes: 128 * 1024 * 1024,
});

/** The decoding budget was exceeded: `limit` names it, `maximum` is its value. */
export class RencodeLimitError extends RencodeDecodeError {
  constructor(
    readonly limit: keyof RencodeDecodeLimits,
    readonly maximum: number,
    offset: number,
    what: string,
  ) {
    super('LIMIT', offset, `more than ${maximum} ${what} (limit ${limit})`);
  }
}

/** Options of {@link decode}. */
export interface RencodeDecodeOptions {
  /** The decoding budget; unset limits keep {@link DEFAULT_DECODE_LIMITS}. */
  limits?: Partial<RencodeDecodeLimits>;
  /** Ignore bytes after the first value (what Deluge itself does). Default false: they fail with `TRAILING`. */
  allowTrailing?: boolean;
}

const CHR_LIST = 59;
const CHR_DICT = 60;
const CHR_INT = 61;
const CHR_INT1 = 62;
const CHR_INT2 = 63;
const CHR_INT4 = 64;
const CHR_INT8 = 65;
const CHR_FLOAT32 = 66;
const CHR_FLOAT64 = 44;
const CHR_TRUE = 67;
const CHR_FALSE = 68;
const CHR_NONE = 69;
const CHR_TERM = 127;
const INT_POS_FIXED_COUNT = 44;
const INT_NEG_FIXED_START = 70;
const INT_NEG_FIXED_COUNT = 32;
const DICT_FIXED_START = 102;
const DICT_FIXED_COUNT = 25;
const STR_FIXED_START = 128;
const STR_FIXED_COUNT = 64;
const LIST_FIXED_START = 192;
const LIST_FIXED_COUNT = 64;
const CHR_COLON = 58;
const CHR_MINUS = 45;
const CHR_ZERO = 48;
const CHR_NINE = 57;

/** `MAX_INT_LENGTH` of the reference: a CHR_INT literal (sign included) must be shorter than this. */
const MAX_INT_LENGTH = 64;
/** Length prefixes have at most this many digits (a frame body is < 4 GiB, i.e. 10 digits). */
const MAX_LENGTH_DIGITS = 10;
const MAX_MAX_DEPTH = 1000;
/** Guards the recursive encoder against cyclic input. */
const MAX_ENCODE_DEPTH = 1000;
const TWO_POW_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

// ---------------------------------------------------------------------------------------------
// Encoder

/** Encodes `value` as rencode, byte-identical with Python's `rencode.dumps` (floats: see module doc). */
export function encode(value: RencodeInput): Buffer {
  const writer = new Writer();
  try {
    writer.value(value, 0);
  } catch (error) {
    if (error instanceof RencodeEncodeError && error.path.length > 0) {
      error.message = `${error.reason} at ${formatPath(error.path)}`;
    }
    throw error;
  }
  return writer.result();
}

function formatPath(path: readonly (string | number)[]): string {
  return `$${path.map((segment) => (typeof segment === 'number' ? `[${segment}]` : `[${JSON.stringify(segment)}]`)).join('')}`;
}

/** Appends to a Buffer that doubles when full. */
class Writer {
  private buf = Buffer.allocUnsafe(256);
  private pos = 0;

  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  private ensure(bytes: number): void {
    const needed = this.pos + bytes;
    if (needed <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < needed) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  private byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  value(value: RencodeInput, depth: number): void {
    switch (typeof value) {
      case 'number':
        if (Number.isSafeInteger(value)) this.int(value);
        else this.float(value);
        break;
      case 'bigint':
        if (value >= INT64_MIN && value <= INT64_MAX) this.int(Number(value), value);
        else this.bigInt(value);
        break;
      case 'string':
        this.string(value);
        break;
      case 'boolean':
        this.byte(value ? CHR_TRUE : CHR_FALSE);
        break;
      case 'object':
        if (value === null) {
          this.byte(CHR_NONE);
        } else if (depth >= MAX_ENCODE_DEPTH) {
          throw new RencodeEncodeError(`value nested deeper than ${MAX_ENCODE_DEPTH} levels (cycle?)`);
        } else if (Array.isArray(value)) {
          this.list(value as readonly RencodeInput[], depth + 1);
        } else if (value instanceof Map) {
          this.map(value as ReadonlyMap<RencodeInput, RencodeInput>, depth + 1);
        } else {
          this.object(value as { readonly [key: string]: RencodeInput | undefined }, depth + 1);
        }
        break;
      default:
        throw new RencodeEncodeError(`cannot rencode a value of type ${typeof value}`);
    }
  }

  /**
   * The int ladder of `_rencode.pyx`. `n` is a safe integer, or for values beyond 2^53 the exact
   * `big` with `n` its rounded Number (only used to pick the INT8 form).
   */
  private int(n: number, big?: bigint): void {
    if (n >= 0 && n < INT_POS_FIXED_COUNT) {
      this.byte(n);
    } else if (n < 0 && n >= -INT_NEG_FIXED_COUNT) {
      this.byte(INT_NEG_FIXED_START - 1 - n);
    } else if (n >= -0x80 && n < 0x80) {
      this.ensure(2);
      this.buf[this.pos] = CHR_INT1;
      this.buf[this.pos + 1] = n;
      this.pos += 2;
    } else if (n >= -0x8000 && n < 0x8000) {
      this.ensure(3);
      this.buf[this.pos] = CHR_INT2;
      this.buf[this.pos + 1] = n >> 8;
      this.buf[this.pos + 2] = n;
      this.pos += 3;
    } else if (n >= -0x80000000 && n < 0x80000000) {
      this.ensure(5);
      this.buf[this.pos] = CHR_INT4;
      this.int32(n, this.pos + 1);
      this.pos += 5;
    } else {
      this.ensure(9);
      this.buf[this.pos] = CHR_INT8;
      if (big === undefined) {
        const high = Math.floor(n / TWO_POW_32);
        this.int32(high, this.pos + 1);
        this.int32(n - high * TWO_POW_32, this.pos + 5);
      } else {
        this.buf.writeBigInt64BE(big, this.pos + 1);
      }
      this.pos += 9;
    }
  }

  /** Writes the low 32 bits of the integer `n` big-endian at `at` (typed-array stores keep the low 8 bits of each). */
  private int32(n: number, at: number): void {
    const buf = this.buf;
    buf[at] = n >>> 24;
    buf[at + 1] = n >>> 16;
    buf[at + 2] = n >>> 8;
    buf[at + 3] = n;
  }

  private bigInt(n: bigint): void {
    const digits = n.toString();
    if (digits.length >= MAX_INT_LENGTH) {
      throw new RencodeEncodeError(
        `integer ${digits.slice(0, 20)}… has ${digits.length} characters, rencode allows at most ${MAX_INT_LENGTH - 1}`,
      );
    }
    this.ensure(digits.length + 2);
    this.buf[this.pos++] = CHR_INT;
    this.pos += this.buf.write(digits, this.pos, 'latin1');
    this.buf[this.pos++] = CHR_TERM;
  }

  private float(x: number): void {
    if (Math.fround(x) === x) {
      this.ensure(5);
      this.buf[this.pos] = CHR_FLOAT32;
      this.buf.writeFloatBE(x, this.pos + 1);
      this.pos += 5;
    } else {
      this.ensure(9);
      this.buf[this.pos] = CHR_FLOAT64;
      this.buf.writeDoubleBE(x, this.pos + 1);
      this.pos += 9;
    }
  }

  private string(s: string): void {
    if (s.length < STR_FIXED_COUNT && this.shortAscii(s)) return;
    const length = Buffer.byteLength(s, 'utf8');
    if (length < STR_FIXED_COUNT) {
      this.ensure(1 + length);
      this.buf[this.pos++] = STR_FIXED_START + length;
    } else {
      const prefix = `${length}:`;
      this.ensure(prefix.length + length);
      this.pos += this.buf.write(prefix, this.pos, 'latin1');
    }
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  /**
   * Writes `s` (shorter than 64 characters) in the fixed form when it is all ASCII, byte by byte:
   * cheaper than a native `Buffer.write` call for the short keys and values that dominate. Returns
   * false, having written nothing that counts, when `s` has a non-ASCII character.
   */
  private shortAscii(s: string): boolean {
    const length = s.length;
    this.ensure(1 + length);
    const buf = this.buf;
    const at = this.pos + 1;
    for (let i = 0; i < length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return false;
      buf[at + i] = c;
    }
    buf[at - 1] = STR_FIXED_START + length;
    this.pos = at + length;
    return true;
  }

  private list(items: readonly RencodeInput[], depth: number): void {
    const fixed = items.length < LIST_FIXED_COUNT;
    this.byte(fixed ? LIST_FIXED_START + items.length : CHR_LIST);
    for (let i = 0; i < items.length; i++) {
      this.nested(items[i] as RencodeInput, depth, i);
    }
    if (!fixed) this.byte(CHR_TERM);
  }

  private map(entries: ReadonlyMap<RencodeInput, RencodeInput>, depth: number): void {
    this.dictHeader(entries.size);
    let index = 0;
    for (const [key, item] of entries) {
      this.nested(key, depth, `<key ${index}>`);
      this.nested(item, depth, typeof key === 'string' ? key : `<value ${index}>`);
      index++;
    }
    if (entries.size >= DICT_FIXED_COUNT) this.byte(CHR_TERM);
  }

  private object(dict: { readonly [key: string]: RencodeInput | undefined }, depth: number): void {
    const prototype = Object.getPrototypeOf(dict);
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (dict as object).constructor?.name ?? 'object';
      throw new RencodeEncodeError(`cannot rencode an instance of ${kind}`);
    }
    // The header byte depends on how many properties are defined: reserve it, fill it in after.
    const header = this.pos;
    this.byte(CHR_DICT);
    let size = 0;
    for (const key of Object.keys(dict)) {
      const item = dict[key];
      if (item === undefined) continue;
      this.string(key);
      this.nested(item, depth, key);
      size++;
    }
    if (size < DICT_FIXED_COUNT) this.buf[header] = DICT_FIXED_START + size;
    else this.byte(CHR_TERM);
  }

  private dictHeader(size: number): void {
    this.byte(size < DICT_FIXED_COUNT ? DICT_FIXED_START + size : CHR_DICT);
  }

  /** Encodes a container member, recording where it sits if it fails. */
  private nested(value: RencodeInput, depth: number, segment: string | number): void {
    try {
      this.value(value, depth);
    } catch (error) {
      if (error instanceof RencodeEncodeError) error.path.unshift(segment);
      throw error;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Decoder

/**
 * Fills in {@link DEFAULT_DECODE_LIMITS} for unset limits and checks them.
 * @throws RangeError naming a limit that is not a positive integer (or a `maxDepth` above 1000).
 */
export function resolveDecodeLimits(limits: Partial<RencodeDecodeLimits> = {}): RencodeDecodeLimits {
  const resolved: { -readonly [K in keyof RencodeDecodeLimits]: number } = { ...DEFAULT_DECODE_LIMITS };
  for (const name of Object.keys(DEFAULT_DECODE_LIMITS) as (keyof RencodeDecodeLimits)[]) {
    const value = limits[name] ?? DEFAULT_DECODE_LIMITS[name];
    const ceiling = name === 'maxDepth' ? MAX_MAX_DEPTH : Number.MAX_SAFE_INTEGER;
    if (!Number.isInteger(value) || value < 1 || value > ceiling) {
      throw new RangeError(`${name} must be an integer from 1 to ${ceiling}, got ${value}`);
    }
    resolved[name] = value;
  }
  return resolved;
}

/**
 * Decodes exactly one rencode value from `bytes`, within the budget of `options.limits`.
 *
 * @throws RencodeDecodeError for any malformed input (never another error for bad bytes):
 *   `TRUNCATED` input ends early; `UNKNOWN_TYPE` unused type code (45–48, 58) or a terminator (127)
 *   where a value should start; `BAD_LENGTH` malformed string length prefix; `BAD_INTEGER` malformed or ≥ 64-character
 *   CHR_INT literal; `LIMIT` (a {@link RencodeLimitError}) the input needs more than a decoding limit
 *   allows; `TRAILING` bytes after the value.
 * @throws RangeError when a limit is out of range (see {@link resolveDecodeLimits}).
 */
export function decode(bytes: Uint8Array, options: RencodeDecodeOptions = {}): RencodeValue {
  return decodeWithin(bytes, resolveDecodeLimits(options.limits), options.allowTrailing ?? false);
}

/**
 * Says, for the next item of a top-level list, whether to keep it encoded: `before` holds the items
 * decoded before it (e.g. `[1, requestId]` of a Deluge reply).
 */
export type KeepEncoded = (before: readonly MessageItem[]) => boolean;

/** An item of a top-level list decoded with `keepEncoded`: a decoded value, or kept as bytes. */
export type MessageItem = RencodeValue | EncodedRencode;

/** What {@link decodeMessage} gives: a value, or a top-level list some of whose items stay encoded. */
export type DecodedMessage = RencodeValue | MessageItem[];

/** {@link decode} with limits already resolved (callers that decode many frames check them once). */
export function decodeWithin(bytes: Uint8Array, limits: RencodeDecodeLimits, allowTrailing = false): RencodeValue {
  const reader = readerOf(bytes, limits);
  return reader.finish(reader.value(0), allowTrailing);
}

/**
 * {@link decodeWithin} of a whole message whose top-level list may keep items encoded: the items
 * `keepEncoded` picks are {@link EncodedRencode}s instead of decoded values, checked against the same
 * budget as if decoded (every limit, the same errors), but nothing is built.
 */
export function decodeMessage(
  bytes: Uint8Array,
  limits: RencodeDecodeLimits,
  keepEncoded: KeepEncoded,
  allowTrailing = false,
): DecodedMessage {
  const reader = readerOf(bytes, limits);
  return reader.finish(reader.message(keepEncoded), allowTrailing);
}

function readerOf(bytes: Uint8Array, limits: RencodeDecodeLimits): Reader {
  return new Reader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), limits);
}

/**
 * One rencoded value kept as bytes (see {@link decodeMessage}), already checked
 * against the decoding budget it came with: {@link EncodedRencode.decode} cannot fail, and
 * {@link visitDictOfDicts} reads it without building every value.
 */
export class EncodedRencode {
  constructor(
    /** Exactly one complete value. */
    readonly bytes: Buffer,
    readonly limits: RencodeDecodeLimits,
    /** Items of a list, entries of a dict as on the wire (repeated keys too), 1 for anything else. */
    readonly size: number,
  ) {}

  decode(): RencodeValue {
    return decodeWithin(this.bytes, this.limits);
  }

  /**
   * Gives the memory of the bytes back now (see {@link releaseBytes}), for whoever owns the answer
   * once it is read: this value and every other one kept from the same frame cannot be read after.
   */
  release(): void {
    releaseBytes(this.bytes);
  }
}

/** A value decoded if it is an {@link EncodedRencode}, else itself. */
export function decoded(value: unknown): unknown {
  return value instanceof EncodedRencode ? value.decode() : value;
}

/** The record of one inner dict that {@link visitDictOfDicts} passes on: only the fields asked for. */
export type VisitedFields = Readonly<Record<string, RencodeValue | undefined>>;

/**
 * Reads an encoded dict of dicts (`{key: {field: value}}`, e.g. a `core.get_torrents_status` answer)
 * entry by entry, in wire order, without building the inner dicts as decoded: for each entry under
 * a string key, `visit(key, fields)` gets a record of the `fieldNames` only (a field the dict lacks is
 * `undefined`), or `undefined` for a value that is not a dict. The record is one object, refilled for
 * each entry: read it in `visit`, never keep it. Entries under other keys are passed
 * over, and so are an inner dict's non-string keys; within an inner dict the last of repeated
 * fields wins, as in {@link decode}. Values are exactly what {@link decode} gives.
 * @returns false when the value is not a dict (nothing visited), or when a key repeats (found at
 *   its second occurrence, after visiting the entries before it; the decoded dict keeps only the
 *   last of them): decode it then.
 */
export function visitDictOfDicts(
  value: EncodedRencode,
  fieldNames: readonly string[],
  visit: (key: string, fields: VisitedFields | undefined) => void,
): boolean {
  return new Reader(value.bytes, value.limits).visitDictOfDicts(fieldNames, visit);
}

/**
 * The keys of one dict by their bytes (offsets into the buffer, open addressing on a hash of the
 * bytes, doubling when half full): tells whether a key repeats without making a string of it.
 */
class KeySet {
  private starts = new Int32Array(1024);
  private lengths = new Int32Array(1024);
  private hashes = new Int32Array(1024);
  private size = 0;

  constructor(private readonly buf: Buffer) {}

  /** Adds the key of `buf[start, end)`; false when it was there already. */
  add(start: number, end: number): boolean {
    const buf = this.buf;
    let hash = end - start;
    for (let i = start; i < end; i++) hash = (Math.imul(hash, 31) + buf[i]!) | 0;
    hash ^= hash >>> 15;
    const length = end - start;
    const mask = this.starts.length - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = this.starts[slot]! - 1;
      if (at < 0) break;
      if (
        this.hashes[slot] === hash &&
        this.lengths[slot] === length &&
        buf.compare(buf, at, at + length, start, end) === 0
      ) {
        return false;
      }
    }
    if (++this.size * 2 > this.starts.length) this.grow();
    this.insert(start, length, hash);
    return true;
  }

  /** Stores a key known to be new (`starts` holds offsets + 1, so 0 marks a free slot). */
  private insert(start: number, length: number, hash: number): void {
    const mask = this.starts.length - 1;
    let slot = hash & mask;
    while (this.starts[slot] !== 0) slot = (slot + 1) & mask;
    this.starts[slot] = start + 1;
    this.lengths[slot] = length;
    this.hashes[slot] = hash;
  }

  private grow(): void {
    const { starts, lengths, hashes } = this;
    this.starts = new Int32Array(starts.length * 2);
    this.lengths = new Int32Array(starts.length * 2);
    this.hashes = new Int32Array(starts.length * 2);
    for (let slot = 0; slot < starts.length; slot++) {
      if (starts[slot] !== 0) this.insert(starts[slot]! - 1, lengths[slot]!, hashes[slot]!);
    }
  }
}

/** Strings of at most this many bytes go through the {@link StringCache}; longer ones are decoded natively. */
const CACHED_STRING_MAX_BYTES = 32;
/** Slots of the {@link StringCache} (a power of two). */
const STRING_CACHE_SLOTS = 4096;

/**
 * Remembers recently decoded short ASCII strings by a hash of their bytes, so the ~25 keys (and the
 * few distinct states, labels, hosts …) repeated in every torrent of a status answer are built once
 * and then reused. A hit is only taken after comparing every byte, so a hash collision costs a
 * rebuild, never a wrong string. Bounded: one string of at most 32 characters per slot.
 */
class StringCache {
  private readonly slots = new Array<string>(STRING_CACHE_SLOTS).fill('');

  /**
   * @param internalize make cached strings internalized (what V8 uses as property names), so that
   *   storing a property under a cached dict key skips the string-table look-up; costs more per miss.
   */
  constructor(private readonly internalize: boolean) {}

  /** The string of `buf[start, start + length)`, 1 ≤ length ≤ 32, decoded as UTF-8. */
  get(buf: Buffer, start: number, length: number): string {
    const end = start + length;
    let hash = length;
    let highBits = 0;
    for (let i = start; i < end; i++) {
      const byte = buf[i]!;
      highBits |= byte;
      hash = (Math.imul(hash, 31) + byte) | 0;
    }
    if (highBits >= 0x80) return buf.toString('utf8', start, end);
    const slot = (hash ^ (hash >>> 13)) & (STRING_CACHE_SLOTS - 1);
    const cached = this.slots[slot]!;
    if (cached.length === length && sameAscii(cached, buf, start)) return cached;
    const text = buf.toString('latin1', start, end);
    // A property name read back from an object is V8's internalized copy of the string.
    const fresh = this.internalize ? Object.keys({ [text]: 0 })[0]! : text;
    this.slots[slot] = fresh;
    return fresh;
  }
}

/** True when the ASCII string `text` equals the bytes of `buf` from `start` on. */
function sameAscii(text: string, buf: Buffer, start: number): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) !== buf[start + i]) return false;
  }
  return true;
}

/** The keys of a dict, in wire order, and the factory that builds dicts with exactly these keys. */
interface DictShape {
  readonly keys: readonly string[];
  /** Where each key's bytes are in the buffer (a short fixed-length key), else -1: for predicting keys. */
  readonly keyBytesAt: readonly number[];
  /** The keys are printable ASCII and not `__proto__`: a factory may be made and keys predicted. */
  readonly eligible: boolean;
  factory: DictFactory | undefined;
}

/**
 * The record of {@link visitDictOfDicts}: one object for every entry, its fields set from the slots
 * each time. `Object.fromEntries` makes every field an own data property, so that setting a field
 * named `__proto__` sets that field, never the prototype.
 */
function recordMaker(fieldNames: readonly string[]): (slots: readonly (RencodeValue | undefined)[]) => VisitedFields {
  const record: Record<string, RencodeValue | undefined> = Object.fromEntries(
    fieldNames.map((name) => [name, undefined]),
  );
  return (slots) => {
    for (let index = 0; index < fieldNames.length; index++) record[fieldNames[index]!] = slots[index];
    return record;
  };
}

/** Per field of {@link visitDictOfDicts}, its last string value and where that string's bytes are. */
interface TextMemo {
  readonly texts: (string | undefined)[];
  readonly starts: Int32Array;
  readonly lengths: Int32Array;
}

/** New dict factories one decode may compile. */
const MAX_COMPILES_PER_DECODE = 4;

const keyCache = new StringCache(true);
const valueCache = new StringCache(false);

function truncated(offset: number, needed: number, left: number): RencodeDecodeError {
  return new RencodeDecodeError('TRUNCATED', offset, `need ${needed} byte(s), ${left} left`);
}

class Reader {
  pos = 0;
  private readonly end: number;
  private readonly view: DataView;
  private readonly maxDepth: number;
  private readonly maxEntries: number;
  /** Keys and values of the dicts being decoded, innermost on top (see {@link dict}). */
  private readonly scratchKeys: string[] = [];
  /** Where the bytes of the scratch keys are ({@link keyBytesAt} of each). */
  private readonly scratchKeyBytesAt: number[] = [];
  /** Where the bytes of the last key read by {@link key} start, when it was a short fixed-length string; else -1. */
  private keyBytesAt = -1;
  private readonly scratchValues: RencodeValue[] = [];
  private scratchTop = 0;
  /** Per depth, the keys of the last dict of 6–64 entries decoded there. */
  private readonly shapes: (DictShape | undefined)[] = [];
  /** Factories this answer may still compile (hostile input must not compile one per dict). */
  private compilesLeft = MAX_COMPILES_PER_DECODE;
  /** What is left of the budget; each goes below zero only on the way to throwing. */
  private valuesLeft: number;
  private containersLeft: number;
  private stringBytesLeft: number;

  constructor(
    private readonly buf: Buffer,
    private readonly limits: RencodeDecodeLimits,
  ) {
    this.end = buf.length;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.maxDepth = limits.maxDepth;
    this.maxEntries = limits.maxContainerEntries;
    this.valuesLeft = limits.maxValues;
    this.containersLeft = limits.maxContainers;
    this.stringBytesLeft = limits.maxStringBytes;
  }

  /** Takes `length` string bytes from the budget, for the string at `offset`. */
  private chargeString(length: number, offset: number): void {
    this.stringBytesLeft -= length;
    if (this.stringBytesLeft < 0) throw this.overLimit('maxStringBytes', offset, 'string bytes');
  }

  private overLimit(limit: keyof RencodeDecodeLimits, offset: number, what: string): RencodeLimitError {
    return new RencodeLimitError(limit, this.limits[limit], offset, what);
  }

  /** Moves past `count` bytes and returns where they start; fails unless they are all there. */
  private take(count: number): number {
    const at = this.pos;
    if (this.end - at < count) throw truncated(at, count, this.end - at);
    this.pos = at + count;
    return at;
  }

  /** Counts the value starting at `pos` against the budget and moves past its type code, which it returns. */
  private typeCode(): number {
    const start = this.pos;
    if (start >= this.end) throw truncated(start, 1, 0);
    if (--this.valuesLeft < 0) throw this.overLimit('maxValues', start, 'values');
    this.pos = start + 1;
    return this.buf[start]!;
  }

  /** Decodes one value starting at `pos`; `depth` is the number of containers around it. */
  value(depth: number): RencodeValue {
    const start = this.pos;
    const code = this.typeCode();
    if (code < INT_POS_FIXED_COUNT) return code;
    if (code >= STR_FIXED_START) {
      if (code < LIST_FIXED_START) return this.text(code - STR_FIXED_START);
      return this.list(code - LIST_FIXED_START, start, depth);
    }
    if (code >= DICT_FIXED_START && code < CHR_TERM) return this.dict(code - DICT_FIXED_START, start, depth);
    if (code >= INT_NEG_FIXED_START && code < DICT_FIXED_START) return INT_NEG_FIXED_START - 1 - code;
    if (code > CHR_ZERO && code <= CHR_NINE) return this.text(this.lengthPrefix(start));
    return this.tagged(code, start, depth);
  }

  /** The type codes that are neither fixed-size ints, strings, lists nor dicts. */
  private tagged(code: number, start: number, depth: number): RencodeValue {
    const buf = this.buf;
    switch (code) {
      case CHR_INT1:
        return (buf[this.take(1)]! << 24) >> 24;
      case CHR_INT2: {
        const at = this.take(2);
        return ((buf[at]! << 24) | (buf[at + 1]! << 16)) >> 16;
      }
      case CHR_INT4:
        return this.view.getInt32(this.take(4));
      case CHR_INT8:
        return this.int64();
      case CHR_INT:
        return this.bigInt(start);
      case CHR_FLOAT32:
        return this.view.getFloat32(this.take(4));
      case CHR_FLOAT64:
        return this.view.getFloat64(this.take(8));
      case CHR_TRUE:
        return true;
      case CHR_FALSE:
        return false;
      case CHR_NONE:
        return null;
      case CHR_LIST:
        return this.list(-1, start, depth);
      case CHR_DICT:
        return this.dict(-1, start, depth);
      default:
        throw new RencodeDecodeError('UNKNOWN_TYPE', start, `unknown type code 0x${code.toString(16)}`);
    }
  }

  private int64(): number | bigint {
    const at = this.take(8);
    const high = this.view.getInt32(at);
    // |high| < 2^21 keeps high * 2^32 + low within ±2^53, where doubles are exact.
    if (high >= -0x200000 && high < 0x200000) {
      const n = high * TWO_POW_32 + this.view.getUint32(at + 4);
      if (Number.isSafeInteger(n)) return n;
    }
    return this.view.getBigInt64(at);
  }

  /** CHR_INT: ASCII decimal with optional `-`, terminated by 0x7F, fewer than 64 characters. */
  private bigInt(start: number): number | bigint {
    const first = this.pos;
    let i = first;
    for (;;) {
      if (i >= this.end) throw new RencodeDecodeError('TRUNCATED', this.end, 'integer literal without terminator');
      const c = this.buf[i]!;
      if (c === CHR_TERM) break;
      const isDigit = c >= CHR_ZERO && c <= CHR_NINE;
      if (!isDigit && !(c === CHR_MINUS && i === first)) {
        throw new RencodeDecodeError('BAD_INTEGER', i, `byte 0x${c.toString(16)} in integer literal`);
      }
      if (i - first >= MAX_INT_LENGTH - 1) {
        throw new RencodeDecodeError('BAD_INTEGER', start, `integer literal of ${MAX_INT_LENGTH} or more characters`);
      }
      i++;
    }
    const literal = this.buf.toString('latin1', first, i);
    if (literal === '' || literal === '-') {
      throw new RencodeDecodeError('BAD_INTEGER', start, `integer literal '${literal}' has no digits`);
    }
    this.pos = i + 1;
    const big = BigInt(literal);
    const n = Number(big);
    return Number.isSafeInteger(n) ? n : big;
  }

  /** Reads the `<digits>:` prefix of a long string; `pos` is just after its first digit. */
  private lengthPrefix(start: number): number {
    let length = this.buf[start]! - CHR_ZERO;
    for (;;) {
      if (this.pos >= this.end) throw new RencodeDecodeError('TRUNCATED', this.end, 'string length without ":"');
      const c = this.buf[this.pos++]!;
      if (c === CHR_COLON) return length;
      if (c < CHR_ZERO || c > CHR_NINE) {
        throw new RencodeDecodeError('BAD_LENGTH', this.pos - 1, `byte 0x${c.toString(16)} in string length`);
      }
      if (this.pos - start > MAX_LENGTH_DIGITS) {
        throw new RencodeDecodeError('BAD_LENGTH', start, `string length of more than ${MAX_LENGTH_DIGITS} digits`);
      }
      length = length * 10 + (c - CHR_ZERO);
    }
  }

  private text(length: number): string {
    const start = this.take(length);
    this.chargeString(length, start);
    return this.stringAt(start, length);
  }

  /** The string of the `length` bytes at `start`, decoded as UTF-8. */
  private stringAt(start: number, length: number): string {
    if (length === 0) return '';
    if (length <= CACHED_STRING_MAX_BYTES) return valueCache.get(this.buf, start, length);
    return this.buf.toString('utf8', start, start + length);
  }

  /**
   * A field value of {@link visitDictOfDicts}: like {@link value}, but a string with the same bytes as
   * the field's last string (`memo`) is that string, not decoded again: a save path or tracker status
   * repeats over thousands of torrents and is longer than the {@link StringCache} keeps.
   */
  private fieldValue(depth: number, slot: number, memo: TextMemo): RencodeValue {
    const start = this.pos;
    const code = this.buf[start];
    if (code === undefined) return this.value(depth);
    let length: number;
    if (code >= STR_FIXED_START && code < LIST_FIXED_START) {
      this.typeCode();
      length = code - STR_FIXED_START;
    } else if (code > CHR_ZERO && code <= CHR_NINE) {
      this.typeCode();
      length = this.lengthPrefix(start);
    } else {
      return this.value(depth);
    }
    const at = this.take(length);
    this.chargeString(length, at);
    const last = memo.texts[slot];
    if (last !== undefined && memo.lengths[slot] === length && this.sameBytes(memo.starts[slot]!, at, length)) {
      return last;
    }
    const text = this.stringAt(at, length);
    memo.texts[slot] = text;
    memo.starts[slot] = at;
    memo.lengths[slot] = length;
    return text;
  }

  /**
   * When a short fixed-length string (what dict keys nearly always are) starts at `pos`: counts it,
   * moves past it and returns where its bytes start; else -1, having done nothing.
   */
  private shortKey(): number {
    const at = this.pos;
    if (at >= this.end) return -1;
    const length = this.buf[at]! - STR_FIXED_START;
    if (length <= 0 || length > CACHED_STRING_MAX_BYTES || this.end - at <= length) return -1;
    if (--this.valuesLeft < 0) throw this.overLimit('maxValues', at, 'values');
    this.chargeString(length, at);
    this.pos = at + 1 + length;
    return at + 1;
  }

  /**
   * A dict key: like {@link value}, with a shortcut for the short fixed-length strings keys nearly
   * always are. `predicted` is the key at this position of the previous dict, whose bytes are at
   * `predictedAt` (-1: unknown): when the bytes are the same, it is the key (no decoding, no hashing).
   */
  private key(depth: number, predicted: string | undefined, predictedAt: number): RencodeValue {
    const from = this.shortKey();
    this.keyBytesAt = from;
    if (from < 0) return this.value(depth);
    const length = this.pos - from;
    if (
      predicted !== undefined &&
      predictedAt >= 0 &&
      predicted.length === length &&
      this.sameBytes(predictedAt, from, length)
    ) {
      return predicted;
    }
    return keyCache.get(this.buf, from, length);
  }

  /** Whether the `length` bytes at `a` and at `b` are the same (four at a time). */
  private sameBytes(a: number, b: number, length: number): boolean {
    if (a === b) return true;
    const view = this.view;
    let i = 0;
    for (; i + 4 <= length; i += 4) if (view.getInt32(a + i) !== view.getInt32(b + i)) return false;
    const buf = this.buf;
    for (; i < length; i++) if (buf[a + i] !== buf[b + i]) return false;
    return true;
  }

  /**
   * Accounts for a container starting at `start` with `count` entries (-1: terminated, counted as
   * they come); returns the depth of its items.
   */
  private enter(depth: number, start: number, count: number): number {
    if (depth >= this.maxDepth) throw this.overLimit('maxDepth', start, 'levels of nesting');
    if (--this.containersLeft < 0) throw this.overLimit('maxContainers', start, 'lists and dicts');
    if (count > this.maxEntries) throw this.overLimit('maxContainerEntries', start, 'entries in one container');
    // Each item is at least one more value: refuse before allocating room for them.
    if (count > this.valuesLeft) throw this.overLimit('maxValues', start, 'values');
    return depth + 1;
  }

  /** Fails once a terminated container at `start` is about to get more than the entry limit. */
  private checkEntries(entries: number, start: number): void {
    if (entries >= this.maxEntries) throw this.overLimit('maxContainerEntries', start, 'entries in one container');
  }

  /** True (and consumed) when a terminated container ends here. */
  private atTerminator(): boolean {
    const at = this.pos;
    if (at >= this.end) throw truncated(at, 1, 0);
    if (this.buf[at] !== CHR_TERM) return false;
    this.pos = at + 1;
    return true;
  }

  /**
   * Moves past one value with exactly the checks and budget of {@link value} (so it fails where and
   * how decoding would), building nothing; returns the items of a list or dict, else 1.
   */
  skip(depth: number): number {
    const start = this.pos;
    const code = this.typeCode();
    if (code < INT_POS_FIXED_COUNT) return 1;
    if (code >= STR_FIXED_START) {
      if (code >= LIST_FIXED_START) return this.skipItems(code - LIST_FIXED_START, start, depth, 1);
      this.skipText(code - STR_FIXED_START);
      return 1;
    }
    if (code >= DICT_FIXED_START && code < CHR_TERM) return this.skipItems(code - DICT_FIXED_START, start, depth, 2);
    if (code >= INT_NEG_FIXED_START && code < DICT_FIXED_START) return 1;
    if (code > CHR_ZERO && code <= CHR_NINE) {
      this.skipText(this.lengthPrefix(start));
      return 1;
    }
    if (code === CHR_LIST) return this.skipItems(-1, start, depth, 1);
    if (code === CHR_DICT) return this.skipItems(-1, start, depth, 2);
    this.tagged(code, start, depth); // scalars: nothing large to build
    return 1;
  }

  private skipText(length: number): void {
    this.chargeString(length, this.take(length));
  }

  /**
   * Skips `count` items of a list (`values` 1) or entries of a dict (`values` 2: key and value,
   * counted like {@link dict} counts them), or up to 0x7F when `count` is -1.
   */
  private skipItems(count: number, start: number, depth: number, values: 1 | 2): number {
    const inner = this.enter(depth, start, count);
    let n = 0;
    for (; count < 0 ? !this.atTerminator() : n < count; n++) {
      if (count < 0) this.checkEntries(n, start);
      if (values === 1 || this.shortKey() < 0) this.skip(inner);
      if (values === 2) this.skip(inner);
    }
    return n;
  }

  /** The value at `pos` as an {@link EncodedRencode}, checked like {@link value}. */
  private encoded(depth: number): EncodedRencode {
    const from = this.pos;
    const size = this.skip(depth);
    return new EncodedRencode(this.buf.subarray(from, this.pos), this.limits, size);
  }

  /** The value at `pos` as a whole message: a top-level list keeps the items {@link keepEncoded} picks encoded. */
  message(keepEncoded: KeepEncoded): DecodedMessage {
    const start = this.pos;
    const code = this.buf[start];
    const count =
      code === CHR_LIST ? -1 : code !== undefined && code >= LIST_FIXED_START ? code - LIST_FIXED_START : undefined;
    if (count === undefined) return this.value(0);
    this.typeCode();
    const inner = this.enter(0, start, count);
    const items: MessageItem[] = [];
    for (; count < 0 ? !this.atTerminator() : items.length < count; ) {
      if (count < 0) this.checkEntries(items.length, start);
      items.push(keepEncoded(items) ? this.encoded(inner) : this.value(inner));
    }
    return items;
  }

  /** `value` once the whole input is read: fails on trailing bytes unless they are allowed. */
  finish<T>(value: T, allowTrailing: boolean): T {
    if (!allowTrailing && this.pos !== this.end) {
      throw new RencodeDecodeError('TRAILING', this.pos, `${this.end - this.pos} byte(s) after the value`);
    }
    return value;
  }

  /** See {@link visitDictOfDicts}; the bytes were checked when kept encoded. */
  visitDictOfDicts(
    fieldNames: readonly string[],
    visit: (key: string, fields: VisitedFields | undefined) => void,
  ): boolean {
    const start = this.pos;
    const code = this.buf[start]!;
    const fixed = code >= DICT_FIXED_START && code < CHR_TERM;
    if (!fixed && code !== CHR_DICT) return false;
    this.pos = start + 1;
    const count = fixed ? code - DICT_FIXED_START : -1;
    const slotOf = new Map(fieldNames.map((name, index) => [name, index]));
    const slots = new Array<RencodeValue | undefined>(fieldNames.length);
    const record = recordMaker(fieldNames);
    const memo: TextMemo = {
      texts: new Array<string | undefined>(fieldNames.length),
      starts: new Int32Array(fieldNames.length),
      lengths: new Int32Array(fieldNames.length),
    };
    const keys = new KeySet(this.buf);
    // Per position in the inner dicts, the last key seen there, where its bytes are, its slot (-1: not asked for).
    const keysAt: string[] = [];
    const keyBytesAt: number[] = [];
    const slotsAt: number[] = [];
    for (let n = 0; count < 0 ? !this.atTerminator() : n < count; n++) {
      const keyStart = this.pos;
      const key = this.value(1);
      if (typeof key !== 'string') {
        this.skip(1);
        continue;
      }
      if (!keys.add(keyStart, this.pos)) return false;
      const inner = this.buf[this.pos]!;
      const innerFixed = inner >= DICT_FIXED_START && inner < CHR_TERM;
      if (!innerFixed && inner !== CHR_DICT) {
        this.skip(1);
        visit(key, undefined);
        continue;
      }
      this.pos += 1;
      slots.fill(undefined);
      const entries = innerFixed ? inner - DICT_FIXED_START : -1;
      for (let i = 0; entries < 0 ? !this.atTerminator() : i < entries; i++) {
        const field = this.key(2, keysAt[i], keyBytesAt[i] ?? -1);
        if (typeof field !== 'string') {
          this.skip(2);
          continue;
        }
        let slot: number;
        if (field === keysAt[i]) {
          slot = slotsAt[i]!;
        } else {
          slot = slotOf.get(field) ?? -1;
          keysAt[i] = field;
          keyBytesAt[i] = this.keyBytesAt;
          slotsAt[i] = slot;
        }
        if (slot < 0) this.skip(2);
        else slots[slot] = this.fieldValue(2, slot, memo);
      }
      visit(key, record(slots));
    }
    return true;
  }

  /** `count` items, or items up to 0x7F when `count` is -1. */
  private list(count: number, start: number, depth: number): RencodeValue[] {
    const inner = this.enter(depth, start, count);
    if (count >= 0) {
      const items = new Array<RencodeValue>(count);
      for (let i = 0; i < count; i++) items[i] = this.value(inner);
      return items;
    }
    const items: RencodeValue[] = [];
    while (!this.atTerminator()) {
      this.checkEntries(items.length, start);
      items.push(this.value(inner));
    }
    return items;
  }

  /**
   * Decodes as a plain object while the keys are strings, so the common case allocates no entry
   * list; the first other key turns it into a `Map` holding the entries so far (in object key order,
   * which differs from wire order only for integer-like string keys).
   */
  private dict(count: number, start: number, depth: number): RencodeDict | Map<RencodeValue, RencodeValue> {
    const inner = this.enter(depth, start, count);
    // Keys and values go on the scratch stack first (nested dicts stack above them), so that a dict
    // whose keys repeat the previous one's at this depth is built in one step by its shape's factory.
    const base = this.scratchTop;
    const shape = this.shapes[depth];
    const predicted = shape?.eligible ? shape : undefined;
    let n = 0;
    for (; count < 0 ? !this.atTerminator() : n < count; n++) {
      if (count < 0) this.checkEntries(n, start);
      const key = this.key(inner, predicted?.keys[n], predicted?.keyBytesAt[n] ?? -1);
      if (typeof key !== 'string') {
        const dict = this.plainDict(base, n);
        this.scratchTop = base;
        return this.mapRest(dict, key, count < 0 ? -1 : count - n - 1, inner, start, n);
      }
      this.scratchKeys[base + n] = key;
      this.scratchKeyBytesAt[base + n] = this.keyBytesAt;
      this.scratchTop = base + n + 1;
      this.scratchValues[base + n] = this.value(inner);
    }
    const dict = this.build(base, n, depth, shape);
    this.scratchTop = base;
    return dict;
  }

  /** The dict of the `n` scratch entries from `base`: by its shape's factory when it has one. */
  private build(base: number, n: number, depth: number, shape: DictShape | undefined): RencodeDict {
    if (n < MIN_SHAPE_KEYS || n > MAX_SHAPE_KEYS) return this.plainDict(base, n);
    if (shape !== undefined && shape.keys.length === n && this.sameKeys(shape.keys, base)) {
      if (shape.factory === undefined && shape.eligible) {
        shape.factory = factoryFor(shape.keys, this.compilesLeft > 0);
        if (shape.factory !== undefined) this.compilesLeft -= 1;
      }
      if (shape.factory !== undefined) return shape.factory(this.scratchValues, base);
    } else {
      const keys = this.scratchKeys.slice(base, base + n);
      const keyBytesAt = this.scratchKeyBytesAt.slice(base, base + n);
      this.shapes[depth] = { keys, keyBytesAt, eligible: canHaveFactory(keys), factory: undefined };
    }
    return this.plainDict(base, n);
  }

  private sameKeys(keys: readonly string[], base: number): boolean {
    const scratch = this.scratchKeys;
    for (let i = 0; i < keys.length; i++) if (scratch[base + i] !== keys[i]) return false;
    return true;
  }

  /** The dict of the `n` scratch entries from `base`, property by property. */
  private plainDict(base: number, n: number): RencodeDict {
    const dict: RencodeDict = {};
    for (let i = base; i < base + n; i++) {
      const key = this.scratchKeys[i]!;
      const item = this.scratchValues[i]!;
      if (key === '__proto__') {
        Object.defineProperty(dict, key, { value: item, writable: true, enumerable: true, configurable: true });
      } else {
        dict[key] = item;
      }
    }
    return dict;
  }

  /**
   * Finishes a dict whose key `firstKey` is not a string as a `Map`: the entries decoded so far (in
   * object key order, which differs from wire order only for integer-like string keys), then
   * `firstKey` and its value, then `remaining` more entries (up to 0x7F when -1). `start` is where
   * the dict starts and `done` the entries before `firstKey`, for the entry limit.
   */
  private mapRest(
    dict: RencodeDict,
    firstKey: RencodeValue,
    remaining: number,
    depth: number,
    start: number,
    done: number,
  ): Map<RencodeValue, RencodeValue> {
    const map = new Map<RencodeValue, RencodeValue>(Object.entries(dict));
    map.set(firstKey, this.value(depth));
    for (let i = done + 1; remaining < 0 ? !this.atTerminator() : i <= done + remaining; i++) {
      if (remaining < 0) this.checkEntries(i, start);
      const key = this.key(depth, undefined, -1);
      map.set(key, this.value(depth));
    }
    return map;
  }
}
