/**
 * Fuzz targets of the RPC client: the rencode decoder and the frame parser. Nothing but their typed
 * errors may escape, whatever the bytes and whatever the limits; valid input within the limits
 * must round-trip.
 */
import { isDeepStrictEqual } from 'node:util';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { DelugeProtocolError } from '../../src/rpc/errors.js';
import { FRAME_HEADER_BYTES, FrameDecoder, type FrameLimits, resolveFrameLimits } from '../../src/rpc/framing.js';
import {
  DEFAULT_DECODE_LIMITS,
  decode,
  decodeMessage,
  decodeWithin,
  EncodedRencode,
  encode,
  RencodeDecodeError,
  type RencodeDecodeLimits,
  type RencodeValue,
  resolveDecodeLimits,
} from '../../src/rpc/rencode.js';
import { valueArbitrary } from '../unit/rpc/rencode-support.js';
import type { FuzzTarget } from './target.js';

/** Bytes that mean something to the decoder (type codes, digits, colon, terminator) and any byte. */
const interestingByte = fc.oneof(
  fc.integer({ min: 0, max: 255 }),
  fc.constantFrom(0x2c, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x66, 0x7f),
  fc.integer({ min: 0x30, max: 0x39 }),
  fc.integer({ min: 0xc0, max: 0xff }),
);

/** A valid encoding changed in one to four places (flip, insert, delete, truncate). */
function mutated(bytes: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  const edit = fc.tuple(fc.constantFrom('flip', 'insert', 'delete', 'truncate'), fc.nat(), interestingByte);
  return fc.tuple(bytes, fc.array(edit, { minLength: 1, maxLength: 4 })).map(([original, edits]) => {
    let out = Buffer.from(original);
    for (const [kind, where, byte] of edits) {
      const at = out.length === 0 ? 0 : where % out.length;
      if (kind === 'flip' && out.length > 0) out[at] = byte;
      else if (kind === 'insert') out = Buffer.concat([out.subarray(0, at), Buffer.of(byte), out.subarray(at)]);
      else if (kind === 'delete') out = Buffer.concat([out.subarray(0, at), out.subarray(at + 1)]);
      else out = out.subarray(0, at);
    }
    return out;
  });
}

const encodedValue = valueArbitrary.map((value) => encode(value));

/** Hostile and valid rencode input, about equally often. */
const rencodeInput: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  fc.array(interestingByte, { maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  mutated(encodedValue),
  encodedValue,
);

/** Limits from tiny to the defaults, so that every limit is hit on the way. */
const decodeLimits: fc.Arbitrary<Partial<RencodeDecodeLimits>> = fc.record(
  {
    maxDepth: fc.integer({ min: 1, max: 12 }),
    maxValues: fc.integer({ min: 1, max: 400 }),
    maxContainers: fc.integer({ min: 1, max: 60 }),
    maxContainerEntries: fc.integer({ min: 1, max: 70 }),
    maxStringBytes: fc.integer({ min: 1, max: 2000 }),
  },
  { requiredKeys: [] },
);

function expectOnly(errorClass: abstract new (...args: never[]) => Error, action: () => unknown): unknown {
  try {
    return action();
  } catch (error) {
    if (error instanceof errorClass) return error;
    throw error;
  }
}

/** Same value: deep, strict, Maps and dicts compared regardless of entry order, NaN equal to NaN. */
const sameValue = isDeepStrictEqual;

/** A reply message `[1, 7, <bytes>]` (a list of three), as Deluge sends a result. */
const reply = (bytes: Buffer) => Buffer.concat([Buffer.from([0xc3, 0x01, 0x07]), bytes]);

/**
 * The reply holding `bytes` decoded plainly and with its result kept encoded (what a request with
 * `encodedAnswer` gets): both fail with the same error (class and message), or the kept bytes
 * decode to the same value. Throws on a difference.
 */
export function checkKeptEncoded(bytes: Buffer, limits: Partial<RencodeDecodeLimits>): void {
  const resolved = resolveDecodeLimits(limits);
  const message = reply(bytes);
  const plain = expectOnly(RencodeDecodeError, () => decodeWithin(message, resolved, true));
  const kept = expectOnly(RencodeDecodeError, () => decodeMessage(message, resolved, (b) => b.length === 2, true));
  if (plain instanceof RencodeDecodeError || kept instanceof RencodeDecodeError) {
    const describe = (outcome: unknown) =>
      outcome instanceof Error ? `${outcome.constructor.name}: ${outcome.message}` : 'a value';
    if (describe(plain) !== describe(kept))
      throw new Error(`kept encoded: ${describe(kept)}, decoded: ${describe(plain)}`);
    return;
  }
  const encoded = (kept as unknown[])[2];
  if (!(encoded instanceof EncodedRencode)) throw new Error('the result was not kept encoded');
  const value = (plain as RencodeValue[])[2];
  if (!sameValue(encoded.decode(), value)) throw new Error('the kept bytes decode to another value');
  // Dicts may repeat keys on the wire, so only a list's size is its decoded length.
  if (Array.isArray(value) && encoded.size !== value.length)
    throw new Error(`size ${encoded.size}, decoded ${value.length}`);
}

export const rencodeDecodeTarget: FuzzTarget = {
  name: 'rencode-decode',
  description:
    'decode() of random, hostile and mutated bytes under random limits: a value or a RencodeDecodeError; kept encoded, the same error or the same value',
  run(cases, seed) {
    fc.assert(
      fc.property(rencodeInput, decodeLimits, fc.boolean(), (bytes, limits, allowTrailing) => {
        const outcome = expectOnly(RencodeDecodeError, () => decode(bytes, { limits, allowTrailing }));
        if (!(outcome instanceof RencodeDecodeError)) {
          // Whatever decodes under tight limits decodes the same under the defaults.
          if (!sameValue(decode(bytes, { allowTrailing }), outcome)) throw new Error('limits changed a decoded value');
        }
        checkKeptEncoded(bytes, limits);
      }),
      { numRuns: cases, seed },
    );
    fc.assert(
      fc.property(valueArbitrary, (value) =>
        sameValue(decode(encode(value), { limits: DEFAULT_DECODE_LIMITS }), value),
      ),
      { numRuns: Math.max(1, Math.floor(cases / 10)), seed },
    );
  },
};

/** A frame header with this body length, and the version byte given. */
function header(length: number, version = 0x01): Buffer {
  const out = Buffer.alloc(FRAME_HEADER_BYTES);
  out[0] = version;
  out.writeUInt32BE(length >>> 0, 1);
  return out;
}

const payload: fc.Arbitrary<RencodeValue> = valueArbitrary;
const validFrame = payload.map((value) => {
  const body = deflateSync(encode(value));
  return { value, bytes: Buffer.concat([header(body.length), body]) };
});

/** One frame-shaped piece of a stream: valid, or broken in one of the ways a peer can break it. */
const streamPiece: fc.Arbitrary<Buffer> = fc.oneof(
  validFrame.map((frame) => frame.bytes),
  mutated(validFrame.map((frame) => frame.bytes)),
  fc.uint8Array({ maxLength: 40 }).map((body) => Buffer.concat([header(body.length), Buffer.from(body)])),
  fc.uint8Array({ maxLength: 40 }).map((bytes) => {
    const body = deflateSync(Buffer.from(bytes));
    return Buffer.concat([header(body.length), body]);
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([length, version]) => header(length, version)),
  fc.array(interestingByte, { minLength: 1, maxLength: 2000 }).map((bytes) => {
    // Repetitive bodies inflate far beyond their size: the ratio and budget paths.
    const repeated = Buffer.concat(Array.from({ length: 50 }, () => Buffer.from(bytes)));
    const body = deflateSync(repeated);
    return Buffer.concat([header(body.length), body]);
  }),
);

const frameLimits: fc.Arbitrary<Partial<FrameLimits>> = fc
  .tuple(
    decodeLimits,
    fc.record(
      {
        maxFrameBytes: fc.integer({ min: 1, max: 100_000 }),
        maxInflatedBytes: fc.integer({ min: 1, max: 200_000 }),
        maxInflateRatio: fc.integer({ min: 1, max: 200 }),
      },
      { requiredKeys: [] },
    ),
  )
  .map(([decoding, sizes]) => ({ ...decoding, ...sizes }));

/** Splits `bytes` at the given points (socket chunks). */
function chunks(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => (bytes.length === 0 ? 0 : cut % bytes.length)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    out.push(bytes.subarray(from, point));
    from = point;
  }
  out.push(bytes.subarray(from));
  return out;
}

export const frameParserTarget: FuzzTarget = {
  name: 'frame-parser',
  description:
    'FrameDecoder.push() of streams of valid, mutated and hostile frames in random chunks under random limits: payloads or a DelugeProtocolError',
  run(cases, seed) {
    fc.assert(
      fc.property(
        fc.array(streamPiece, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        frameLimits,
        (pieces, cuts, limits) => {
          const decoder = new FrameDecoder(resolveFrameLimits(limits));
          for (const chunk of chunks(Buffer.concat(pieces), cuts)) {
            // After a protocol error the stream is out of sync: the decoder is discarded, as the connection is.
            if (expectOnly(DelugeProtocolError, () => decoder.push(chunk)) instanceof DelugeProtocolError) return;
          }
        },
      ),
      { numRuns: cases, seed },
    );
    fc.assert(
      fc.property(
        fc.array(validFrame, { minLength: 1, maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (frames, cuts) => {
          const decoder = new FrameDecoder();
          const stream = Buffer.concat(frames.map((frame) => frame.bytes));
          const decoded = chunks(stream, cuts).flatMap((chunk) => decoder.push(chunk));
          return sameValue(
            decoded,
            frames.map((frame) => frame.value),
          );
        },
      ),
      { numRuns: Math.max(1, Math.floor(cases / 10)), seed },
    );
  },
};

export const rpcFuzzTargets: readonly FuzzTarget[] = [rencodeDecodeTarget, frameParserTarget];
