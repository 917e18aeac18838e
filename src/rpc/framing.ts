/**
 * DelugeRPC 2.x transport framing: `0x01`, uint32 BE body length, zlib body of a rencoded payload.
 * Pure byte handling; no sockets.
 */
import { deflateSync, inflateSync, constants as zlibConstants } from 'node:zlib';
import { DelugeLimitError, DelugeProtocolError } from './errors.js';
import { releaseBytes } from './release-bytes.js';
import {
  type DecodedMessage,
  decodeMessage,
  decodeWithin,
  EncodedRencode,
  encode,
  type KeepEncoded,
  type RencodeDecodeLimits,
  type RencodeInput,
  RencodeLimitError,
  type RencodeValue,
  resolveDecodeLimits,
} from './rencode.js';

/** The only protocol version byte Deluge 2.x speaks. */
export const PROTOCOL_VERSION = 0x01;
/** Version byte + uint32 body length. */
export const FRAME_HEADER_BYTES = 5;
/** Default largest compressed body accepted: 64 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Default largest inflated-to-compressed size ratio (a status answer deflates about 6:1). */
export const DEFAULT_MAX_INFLATE_RATIO = 100;
/** A body may always inflate to this much, whatever its ratio (tiny frames compress oddly). */
export const INFLATE_RATIO_FLOOR_BYTES = 1024 * 1024;

/** Largest zlib output chunk (a 100,000-torrent answer with every key is 54 MB). */
const MAX_INFLATE_CHUNK_BYTES = 64 * 1024 * 1024;
/** Smallest zlib output chunk: 4 × Node's default. */
const MIN_INFLATE_CHUNK_BYTES = 64 * 1024;
/**
 * Inflated-to-compressed ratio assumed before a connection's first large frame: room for what a
 * status answer inflates to (6 × for the bench's synthetic torrents, 16 × for a real deluged's).
 */
const FIRST_INFLATE_RATIO = 32;
/** Room over the last large frame's ratio, for an answer that grew since. */
const INFLATE_RATIO_MARGIN = 1.125;

/**
 * zlib's output chunk for a body expected to inflate `ratio` times: the whole output is usually one
 * chunk, never copied again to join chunks (which held a large answer twice). Not much more either:
 * V8 counts all of a Buffer as external memory, whether written or not, and starts a full garbage
 * collection for each few MB of it (docs/benchmarks.md "The inflate chunk").
 */
function inflateChunkBytes(bodyBytes: number, ratio: number, maxOutputLength: number): number {
  const wanted = Math.min(MAX_INFLATE_CHUNK_BYTES, Math.max(MIN_INFLATE_CHUNK_BYTES, Math.ceil(bodyBytes * ratio)));
  return Math.max(zlibConstants.Z_MIN_CHUNK, Math.min(maxOutputLength, wanted));
}

/** Size limits applied to every frame received, and the decoding budget of its payload. */
export interface FrameLimits extends RencodeDecodeLimits {
  /** Largest compressed body, checked from the header before the body is buffered. */
  readonly maxFrameBytes: number;
  /** Largest inflated body; inflating stops as soon as it is exceeded (zip-bomb guard). */
  readonly maxInflatedBytes: number;
  /**
   * Largest inflated size as a multiple of the compressed size (above {@link INFLATE_RATIO_FLOOR_BYTES}):
   * zlib reaches ~1000:1 on repeated bytes, real answers ~6:1, so a bomb stops early, before its
   * bytes are decoded.
   */
  readonly maxInflateRatio: number;
}

/**
 * Fills in defaults (64 MiB compressed, 4 × that inflated, ratio 100, {@link DEFAULT_DECODE_LIMITS}).
 * @throws RangeError naming a limit that is not a positive integer.
 */
export function resolveFrameLimits(limits?: Partial<FrameLimits>): FrameLimits {
  const maxFrameBytes = limits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const sizes = {
    maxFrameBytes,
    maxInflatedBytes: limits?.maxInflatedBytes ?? 4 * maxFrameBytes,
    maxInflateRatio: limits?.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO,
  };
  for (const [name, value] of Object.entries(sizes)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
    }
  }
  return { ...sizes, ...resolveDecodeLimits(limits) };
}

/**
 * The limits before login, whose answers are tiny (`daemon.info` is a version string,
 * `daemon.login` an integer, an error a short traceback): anything that answers at a daemon's
 * address gets this little to work with. Each is also capped by the session's own limit.
 */
export const HANDSHAKE_LIMITS: FrameLimits = Object.freeze({
  maxFrameBytes: 64 * 1024,
  maxInflatedBytes: 256 * 1024,
  maxInflateRatio: DEFAULT_MAX_INFLATE_RATIO,
  maxDepth: 8,
  maxValues: 256,
  maxContainers: 32,
  maxContainerEntries: 64,
  maxStringBytes: 64 * 1024,
});

/** The stricter of the handshake limits and `session`, limit by limit. */
export function handshakeLimits(session: FrameLimits): FrameLimits {
  const strictest = { ...session };
  for (const name of Object.keys(HANDSHAKE_LIMITS) as (keyof FrameLimits)[]) {
    strictest[name as keyof typeof strictest] = Math.min(session[name], HANDSHAKE_LIMITS[name]);
  }
  return strictest;
}

/** Encodes one payload as a complete wire frame (header included). */
export function encodeFrame(payload: RencodeInput): Buffer {
  const body = deflateSync(encode(payload));
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  header.writeUInt8(PROTOCOL_VERSION, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body], FRAME_HEADER_BYTES + body.length);
}

/** Human form of a byte limit for error messages: "64 MiB", "512 KiB" or "1000 bytes". */
export function formatByteLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/**
 * Incremental frame reader. Feed it socket chunks with {@link FrameDecoder.push}; it returns the
 * payloads of all frames completed so far. Chunks are kept in a list with a byte count, so a large
 * frame arriving in many pieces is joined once. After it throws, the stream is out of sync and the
 * decoder must be discarded with its connection.
 */
export class FrameDecoder {
  private limits: FrameLimits;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame whose header has been read, or undefined while awaiting a header. */
  private bodyLength: number | undefined;
  /** How many times its size the next large body is expected to inflate to (see {@link inflateChunkBytes}). */
  private inflateRatio = FIRST_INFLATE_RATIO;

  constructor(limits?: Partial<FrameLimits>) {
    this.limits = resolveFrameLimits(limits);
  }

  /** Applies `limits` from the next frame on (e.g. the session limits once logged in). */
  setLimits(limits: FrameLimits): void {
    this.limits = limits;
  }

  /**
   * Adds received bytes and decodes every frame they complete; `keepEncoded` picks items of a
   * frame's top-level list to keep encoded (see `decodeMessage`), checked against the same limits.
   * @throws DelugeLimitError for a frame that breaks a limit; DelugeProtocolError on a wrong version
   * byte or a body that does not inflate or rencode-decode.
   */
  push(chunk: Buffer): RencodeValue[];
  push(chunk: Buffer, keepEncoded: KeepEncoded): DecodedMessage[];
  push(chunk: Buffer, keepEncoded?: KeepEncoded): DecodedMessage[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const payloads: DecodedMessage[] = [];
    for (;;) {
      if (this.bodyLength === undefined) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        this.bodyLength = this.readHeader(this.take(FRAME_HEADER_BYTES));
      }
      if (this.buffered < this.bodyLength) break;
      const body = this.take(this.bodyLength);
      this.bodyLength = undefined;
      payloads.push(this.decodeBody(body, keepEncoded));
    }
    return payloads;
  }

  private readHeader(header: Buffer): number {
    const version = header.readUInt8(0);
    if (version !== PROTOCOL_VERSION) {
      throw new DelugeProtocolError(
        `expected protocol version 0x01, got 0x${version.toString(16).padStart(2, '0')}: not a Deluge 2.x daemon?`,
      );
    }
    const length = header.readUInt32BE(1);
    const { maxFrameBytes } = this.limits;
    if (length > maxFrameBytes) {
      throw new DelugeLimitError(
        `frame body of ${length} bytes exceeds ${formatByteLimit(maxFrameBytes)} limit (maxFrameBytes)`,
        'maxFrameBytes',
        maxFrameBytes,
      );
    }
    return length;
  }

  private decodeBody(body: Buffer, keepEncoded: KeepEncoded | undefined): DecodedMessage {
    const { maxInflatedBytes, maxInflateRatio } = this.limits;
    const byRatio = Math.max(INFLATE_RATIO_FLOOR_BYTES, body.length * maxInflateRatio);
    const maxOutputLength = Math.min(maxInflatedBytes, byRatio);
    let inflated: Buffer;
    try {
      const chunkSize = inflateChunkBytes(body.length, this.inflateRatio, maxOutputLength);
      inflated = inflateSync(body, { maxOutputLength, chunkSize });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw byRatio < maxInflatedBytes
          ? new DelugeLimitError(
              `frame body of ${body.length} bytes inflates to more than ${maxInflateRatio} times its size (maxInflateRatio)`,
              'maxInflateRatio',
              maxInflateRatio,
              { cause: error },
            )
          : new DelugeLimitError(
              `inflated frame exceeds ${formatByteLimit(maxInflatedBytes)} limit (maxInflatedBytes)`,
              'maxInflatedBytes',
              maxInflatedBytes,
              { cause: error },
            );
      }
      throw new DelugeProtocolError(`frame body is not valid zlib data: ${(error as Error).message}`, {
        cause: error,
      });
    }
    // Status answers, the large frames, come one per scrape and inflate alike from one to the next.
    if (body.length * FIRST_INFLATE_RATIO >= MIN_INFLATE_CHUNK_BYTES) {
      this.inflateRatio = (inflated.length / body.length) * INFLATE_RATIO_MARGIN;
    }
    try {
      const message =
        keepEncoded === undefined
          ? decodeWithin(inflated, this.limits)
          : decodeMessage(inflated, this.limits, keepEncoded);
      // A decoded value holds no view of the inflated bytes; items kept encoded do, for their owner to release.
      const keptEncoded = Array.isArray(message) && message.some((item) => item instanceof EncodedRencode);
      if (!keptEncoded) releaseBytes(inflated);
      return message;
    } catch (error) {
      if (error instanceof RencodeLimitError) {
        throw new DelugeLimitError(`frame refused: ${error.message}`, error.limit, error.maximum, { cause: error });
      }
      throw new DelugeProtocolError(`frame body is not valid rencode: ${(error as Error).message}`, { cause: error });
    }
  }

  /** Removes and returns the first `count` buffered bytes (count ≤ buffered). */
  private take(count: number): Buffer {
    const first = this.chunks[0];
    if (first !== undefined && first.length >= count) {
      if (first.length === count) this.chunks.shift();
      else this.chunks[0] = first.subarray(count);
      this.buffered -= count;
      return first.subarray(0, count);
    }
    const out = Buffer.allocUnsafe(count);
    let filled = 0;
    let whole = 0;
    while (filled < count) {
      const chunk = this.chunks[whole] as Buffer;
      const used = Math.min(chunk.length, count - filled);
      chunk.copy(out, filled, 0, used);
      filled += used;
      if (used < chunk.length) this.chunks[whole] = chunk.subarray(used);
      else whole += 1;
    }
    // One splice for all fully consumed chunks keeps a body spread over many chunks O(n).
    this.chunks.splice(0, whole);
    this.buffered -= count;
    return out;
  }
}
