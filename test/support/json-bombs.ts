/**
 * Hostile Web UI answers for the amplification tests: a JSON-RPC answer `{"result": X, "error": null,
 * "id": ID}` whose result is a few-byte unit repeated until the answer is `bytes` long (empty lists,
 * empty dicts, tiny strings, lists nested inside each other), the same shapes as the RPC client's
 * rencode bombs. Given chunk by chunk (a plain huge answer is never held whole) or gzip-compressed as
 * a stream (the inflated bytes never exist here).
 */
import { createGzip } from 'node:zlib';

/** One-unit shapes an attacker repeats. */
export const JSON_BOMB_SHAPES = ['empty lists', 'empty dicts', 'tiny strings', 'deep nesting'] as const;
export type JsonBombShape = (typeof JSON_BOMB_SHAPES)[number];

const UNITS: Readonly<Record<Exclude<JsonBombShape, 'deep nesting'>, string>> = {
  'empty lists': '[],',
  'empty dicts': '{},',
  'tiny strings': '"a",',
};

const BLOCK_BYTES = 64 * 1024;

/** `text` repeated to `bytes` bytes (the last repeat cut), in blocks of about 64 KiB. */
function* repeated(text: string, bytes: number): Generator<Buffer> {
  const unit = Buffer.from(text);
  const block = Buffer.alloc(BLOCK_BYTES - (BLOCK_BYTES % unit.length));
  for (let at = 0; at < block.length; at += unit.length) unit.copy(block, at);
  for (let left = bytes - (bytes % unit.length); left > 0; left -= block.length) {
    yield left >= block.length ? block : block.subarray(0, left);
  }
}

/** The answer's bytes, chunk by chunk: valid JSON whose result holds `bytes` bytes of `shape`. */
export function* jsonBombChunks(shape: JsonBombShape, bytes: number, id: number): Generator<Buffer> {
  yield Buffer.from('{"result": ');
  if (shape === 'deep nesting') {
    const depth = Math.floor(bytes / 2);
    yield* repeated('[', depth);
    yield* repeated(']', depth);
  } else {
    yield Buffer.from('[');
    yield* repeated(UNITS[shape], bytes);
    // The trailing comma of the last unit needs one more item.
    yield Buffer.from('0]');
  }
  yield Buffer.from(`, "error": null, "id": ${id}}`);
}

/** {@link jsonBombChunks} gzip-compressed (level 9, as deluge-web's Twisted compresses), built as a stream. */
export async function gzipJsonBomb(shape: JsonBombShape, bytes: number, id: number): Promise<Buffer> {
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const done = new Promise((resolve, reject) => {
    gzip.on('end', resolve);
    gzip.on('error', reject);
  });
  for (const chunk of jsonBombChunks(shape, bytes, id)) {
    if (!gzip.write(chunk)) await new Promise((resolve) => gzip.once('drain', resolve));
  }
  gzip.end();
  await done;
  return Buffer.concat(parts);
}
