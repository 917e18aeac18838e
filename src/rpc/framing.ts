/**
 * DelugeRPC 2.x transport framing: `0x01`, uint32 BE body length, zlib body of a rencoded payload.
 * Pure byte handling; no sockets.
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { DelugeProtocolError } from './errors.js';
import { decode, encode, type RencodeInput, type RencodeValue } from './rencode.js';

/** The only protocol version byte Deluge 2.x speaks. */
export const PROTOCOL_VERSION = 0x01;
/** Version byte + uint32 body length. */
export const FRAME_HEADER_BYTES = 5;
/** Default largest compressed body accepted: 64 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;

/** Size limits applied to every frame received. */
export interface FrameLimits {
  /** Largest compressed body, checked from the header before the body is buffered. */
  readonly maxFrameBytes: number;
  /** Largest inflated body; inflating stops as soon as it is exceeded (zip-bomb guard). */
  readonly maxInflatedBytes: number;
}

/** Fills in defaults: 64 MiB compressed, 4 × that inflated. */
export function resolveFrameLimits(limits?: Partial<FrameLimits>): FrameLimits {
  const maxFrameBytes = limits?.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  return { maxFrameBytes, maxInflatedBytes: limits?.maxInflatedBytes ?? 4 * maxFrameBytes };
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
  private readonly limits: FrameLimits;
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Body length of the frame whose header has been read, or undefined while awaiting a header. */
  private bodyLength: number | undefined;

  constructor(limits?: Partial<FrameLimits>) {
    this.limits = resolveFrameLimits(limits);
  }

  /**
   * Adds received bytes and decodes every frame they complete.
   * @throws DelugeProtocolError on a wrong version byte, an over-limit frame, or a body that does not
   * inflate or rencode-decode.
   */
  push(chunk: Buffer): RencodeValue[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
    }
    const payloads: RencodeValue[] = [];
    for (;;) {
      if (this.bodyLength === undefined) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        this.bodyLength = this.readHeader(this.take(FRAME_HEADER_BYTES));
      }
      if (this.buffered < this.bodyLength) break;
      const body = this.take(this.bodyLength);
      this.bodyLength = undefined;
      payloads.push(this.decodeBody(body));
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
    if (length > this.limits.maxFrameBytes) {
      throw new DelugeProtocolError(
        `frame body of ${length} bytes exceeds ${formatByteLimit(this.limits.maxFrameBytes)} limit (max_frame_bytes)`,
      );
    }
    return length;
  }

  private decodeBody(body: Buffer): RencodeValue {
    let inflated: Buffer;
    try {
      inflated = inflateSync(body, { maxOutputLength: this.limits.maxInflatedBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new DelugeProtocolError(
          `inflated frame exceeds ${formatByteLimit(this.limits.maxInflatedBytes)} limit (max_inflated_bytes)`,
          { cause: error },
        );
      }
      throw new DelugeProtocolError(`frame body is not valid zlib data: ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return decode(inflated);
    } catch (error) {
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
