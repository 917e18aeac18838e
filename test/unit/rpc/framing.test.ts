import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { deflateSync, inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelugeLimitError, DelugeProtocolError } from '../../../src/rpc/errors.js';
import {
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FrameDecoder,
  type FrameLimits,
  formatByteLimit,
  HANDSHAKE_LIMITS,
  handshakeLimits,
  resolveFrameLimits,
} from '../../../src/rpc/framing.js';
import {
  DEFAULT_DECODE_LIMITS,
  type EncodedRencode,
  encode,
  RencodeDecodeError,
  type RencodeInput,
  RencodeLimitError,
} from '../../../src/rpc/rencode.js';

/** deluge/tests/test_transfer.py's frame: (0, 1, {'key_int': 1242429423}, {'key_str': 'some string'}, {'key_bool': True}). */
const DELUGE_TEST_FRAME = Buffer.from(
  'AQAAADF4nDvKwJjenp1aGZ+ZV+Lgxfv9PYRXXFLUXZyfm6oAZGTmpad3gAST8vNznAEAJhSQ',
  'base64',
);
const DELUGE_TEST_PAYLOAD: RencodeInput = [
  0,
  1,
  { key_int: 1242429423 },
  { key_str: 'some string' },
  { key_bool: true },
];

function frameWithBody(body: Buffer, version = 0x01): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(version, 0);
  header.writeUInt32BE(body.length, 1);
  return Buffer.concat([header, body]);
}

function captureError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the action to throw');
}

describe('encodeFrame', () => {
  it('writes version 1, the big-endian body length and a zlib body', () => {
    const frame = encodeFrame(DELUGE_TEST_PAYLOAD);
    expect(frame[0]).toBe(0x01);
    expect(frame.readUInt32BE(1)).toBe(frame.length - 5);
    expect(frame.subarray(5, 7).toString('hex')).toBe('789c');
  });

  it('carries the same rencode body as Deluge’s own transfer test frame', () => {
    expect(inflateSync(encodeFrame(DELUGE_TEST_PAYLOAD).subarray(5))).toEqual(
      inflateSync(DELUGE_TEST_FRAME.subarray(5)),
    );
  });

  it('is read back by Deluge’s own transfer code (Python zlib + rencode)', () => {
    const script = [
      'import base64, struct, sys, zlib, rencode',
      'frame = base64.b64decode(sys.stdin.read())',
      "version, length = struct.unpack('!BI', frame[:5])",
      'assert version == 1 and length == len(frame) - 5',
      'print(repr(rencode.loads(zlib.decompress(frame[5:]), decode_utf8=True)))',
    ].join('\n');
    const output = execFileSync('/usr/bin/python3', ['-c', script], {
      input: encodeFrame(DELUGE_TEST_PAYLOAD).toString('base64'),
      encoding: 'utf8',
    });
    expect(output.trim()).toBe("(0, 1, {'key_int': 1242429423}, {'key_str': 'some string'}, {'key_bool': True})");
  });
});

describe('FrameDecoder', () => {
  it('decodes Deluge’s own test frame', () => {
    expect(new FrameDecoder().push(DELUGE_TEST_FRAME)).toEqual([DELUGE_TEST_PAYLOAD]);
  });

  it('reassembles frames fed one byte at a time', () => {
    const payloads: RencodeInput[] = [[1, 0, '2.0.3'], [3, 'TorrentQueueChangedEvent', []], DELUGE_TEST_PAYLOAD];
    const bytes = Buffer.concat(payloads.map((payload) => encodeFrame(payload)));
    const decoder = new FrameDecoder();
    const decoded = [];
    for (let offset = 0; offset < bytes.length; offset += 1)
      decoded.push(...decoder.push(bytes.subarray(offset, offset + 1)));
    expect(decoded).toEqual(payloads);
  });

  it('inflates a large frame into a chunk sized by the last large frame, not 32 times its body', () => {
    // A status answer as the daemon sends it: [1, id, {hash: {field: value}}], with random hashes.
    const answer = (torrents: number, seed: number): RencodeInput => {
      const status: Record<string, RencodeInput> = {};
      for (let index = 0; index < torrents; index++) {
        const hash = createHash('sha1').update(`${seed}:${index}`).digest('hex');
        status[hash] = { name: `torrent ${index}`, state: 'Seeding', total_wanted: index * 1024, ratio: index / 7 };
      }
      return [1, seed, status];
    };
    const decoder = new FrameDecoder();
    const keepStatus = (items: readonly unknown[]) => items.length === 2;
    const backingStoreOf = (frame: Buffer) => {
      const [message] = decoder.push(frame, keepStatus) as [[number, number, EncodedRencode]];
      return message[2].bytes.buffer.byteLength;
    };
    const first = encodeFrame(answer(2000, 1));
    const firstBody = first.length - 5;
    expect(firstBody * 32).toBeGreaterThan(64 * 1024);
    // The first large frame: room for 32 times its body.
    expect(backingStoreOf(first)).toBe(firstBody * 32);
    const second = encodeFrame(answer(2100, 2));
    const secondInflated = inflateSync(second.subarray(5)).length;
    const store = backingStoreOf(second);
    // The next one: the first one's ratio with 12.5 % room, enough for this one as a single chunk.
    expect(store).toBe(Math.ceil((second.length - 5) * (inflateSync(first.subarray(5)).length / firstBody) * 1.125));
    expect(store).toBeGreaterThanOrEqual(secondInflated);
    expect(store).toBeLessThan(secondInflated * 1.2);
  });

  it('returns every frame of a chunk that holds many', () => {
    const payloads = Array.from({ length: 50 }, (_, index) => [1, index, `reply ${index}`]);
    const decoded = new FrameDecoder().push(Buffer.concat(payloads.map((payload) => encodeFrame(payload))));
    expect(decoded).toEqual(payloads);
  });

  it('decodes any split of a frame sequence into the same payloads', () => {
    const payloads: RencodeInput[] = [
      [1, 7, 'x'.repeat(300)],
      [2, 8, 'KeyError', ['k'], {}, 'tb'],
      [1, 9, { a: [1, 2, 3] }],
    ];
    const bytes = Buffer.concat(payloads.map((payload) => encodeFrame(payload)));
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: bytes.length - 1 }), { maxLength: 20 }), (cuts) => {
        const points = [0, ...cuts.sort((a, b) => a - b), bytes.length];
        const decoder = new FrameDecoder();
        const decoded = points.slice(1).flatMap((end, index) => decoder.push(bytes.subarray(points[index], end)));
        expect(decoded).toEqual(payloads);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects an oversized frame from its header, before the body arrives', () => {
    const decoder = new FrameDecoder({ maxFrameBytes: 1024 });
    const header = frameWithBody(Buffer.alloc(1025)).subarray(0, 5);
    const error = captureError(() => decoder.push(header));
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toBe('frame body of 1025 bytes exceeds 1 KiB limit (maxFrameBytes)');
  });

  it('accepts a frame exactly at the size limit', () => {
    const frame = encodeFrame('y'.repeat(5000));
    const decoder = new FrameDecoder({ maxFrameBytes: frame.length - 5, maxInflatedBytes: 1024 * 1024 });
    expect(decoder.push(frame)).toEqual(['y'.repeat(5000)]);
  });

  it('stops inflating a zip bomb at the inflated limit', () => {
    const bomb = frameWithBody(deflateSync(encode('a'.repeat(8 * 1024 * 1024))));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const error = captureError(() => new FrameDecoder({ maxInflatedBytes: 1024 * 1024 }).push(bomb));
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toBe('inflated frame exceeds 1 MiB limit (maxInflatedBytes)');
  });

  it('stops inflating at 100 times the compressed size (above 1 MiB), before decoding anything', () => {
    const bomb = frameWithBody(deflateSync(Buffer.alloc(8 * 1024 * 1024, 0xc0)));
    const error = captureError(() => new FrameDecoder().push(bomb));
    expect(error).toBeInstanceOf(DelugeLimitError);
    expect((error as DelugeLimitError).limit).toBe('maxInflateRatio');
    expect(error.message).toMatch(
      /^frame body of \d+ bytes inflates to more than 100 times its size \(maxInflateRatio\)$/,
    );
    // A small body may inflate to 1 MiB whatever its ratio.
    const small = frameWithBody(deflateSync(encode('a'.repeat(1000 * 1000))));
    expect(new FrameDecoder().push(small)).toEqual(['a'.repeat(1000 * 1000)]);
  });

  it('refuses a payload over the decoding budget with DelugeLimitError naming the limit', () => {
    const frame = encodeFrame([1, 2, Array.from({ length: 300 }, () => [])]);
    const error = captureError(() => new FrameDecoder({ maxContainers: 100 }).push(frame));
    expect(error).toBeInstanceOf(DelugeLimitError);
    expect((error as DelugeLimitError).limit).toBe('maxContainers');
    expect((error as DelugeLimitError).maximum).toBe(100);
    expect(error.message).toMatch(
      /^frame refused: rencode LIMIT at byte \d+: more than 100 lists and dicts \(limit maxContainers\)$/,
    );
    expect(error.cause).toBeInstanceOf(RencodeLimitError);
  });

  it('applies new limits from the next frame on', () => {
    const frame = encodeFrame([1, 2, 'x'.repeat(1000)]);
    const decoder = new FrameDecoder(handshakeLimits(resolveFrameLimits({ maxStringBytes: 100 })));
    expect(captureError(() => decoder.push(frame))).toBeInstanceOf(DelugeLimitError);
    const next = new FrameDecoder(resolveFrameLimits({ maxStringBytes: 100 }));
    next.setLimits(resolveFrameLimits());
    expect(next.push(frame)).toEqual([[1, 2, 'x'.repeat(1000)]]);
  });

  it('names a wrong version byte', () => {
    const rawZlib = deflateSync(encode([1, 0, '1.3.15']));
    const error = captureError(() => new FrameDecoder().push(rawZlib));
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toBe('expected protocol version 0x01, got 0x78: not a Deluge 2.x daemon?');
  });

  it('reports a body that is not zlib, with the zlib error as cause', () => {
    const error = captureError(() => new FrameDecoder().push(frameWithBody(Buffer.from('not zlib at all'))));
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toMatch(/^frame body is not valid zlib data: /);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('Z_DATA_ERROR');
  });

  it('reports a body that is not rencode, with the rencode error as cause', () => {
    const error = captureError(() => new FrameDecoder().push(frameWithBody(deflateSync(Buffer.from([0x2f])))));
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.cause).toBeInstanceOf(RencodeDecodeError);
  });
});

describe('limits', () => {
  it('defaults to 64 MiB compressed and four times that inflated', () => {
    expect(resolveFrameLimits()).toEqual({
      ...DEFAULT_DECODE_LIMITS,
      maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
      maxInflatedBytes: 256 * 1024 * 1024,
      maxInflateRatio: 100,
    });
    expect(resolveFrameLimits({ maxFrameBytes: 1000 })).toMatchObject({ maxFrameBytes: 1000, maxInflatedBytes: 4000 });
  });

  it('refuses a limit that is not a positive integer, naming it', () => {
    expect(() => resolveFrameLimits({ maxInflateRatio: 0 })).toThrow(/maxInflateRatio/);
    expect(() => resolveFrameLimits({ maxFrameBytes: Number.NaN })).toThrow(/maxFrameBytes/);
    expect(() => resolveFrameLimits({ maxContainers: -1 })).toThrow(/maxContainers/);
  });

  it('holds the handshake to far smaller limits, and never above the session limits', () => {
    const session = resolveFrameLimits();
    const handshake = handshakeLimits(session);
    for (const name of Object.keys(HANDSHAKE_LIMITS) as (keyof FrameLimits)[]) {
      expect(handshake[name]).toBeLessThanOrEqual(session[name]);
    }
    expect(handshake.maxValues).toBe(256);
    expect(handshake.maxFrameBytes).toBe(64 * 1024);
    expect(handshakeLimits(resolveFrameLimits({ maxFrameBytes: 1000 })).maxFrameBytes).toBe(1000);
  });

  it('formats limits in the largest whole unit', () => {
    expect([formatByteLimit(256 * 1024 * 1024), formatByteLimit(3072), formatByteLimit(1000)]).toEqual([
      '256 MiB',
      '3 KiB',
      '1000 bytes',
    ]);
  });
});
