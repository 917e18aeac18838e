/** Values bencode can represent. Strings are UTF-8 encoded; Buffers are written as raw byte strings. */
export type BencodeValue =
  | number
  | bigint
  | string
  | Buffer
  | readonly BencodeValue[]
  | { [key: string]: BencodeValue };

/** A value bencode cannot represent (non-integer number, undefined, …). */
export class BencodeError extends Error {
  override readonly name = 'BencodeError';
}

function byteString(bytes: Buffer): Buffer[] {
  return [Buffer.from(`${bytes.length}:`, 'ascii'), bytes];
}

function encodeInto(value: BencodeValue, out: Buffer[]): void {
  if (Buffer.isBuffer(value)) {
    out.push(...byteString(value));
  } else if (typeof value === 'string') {
    out.push(...byteString(Buffer.from(value, 'utf8')));
  } else if (typeof value === 'bigint' || typeof value === 'number') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new BencodeError(`bencode integers must be safe integers, got ${value}`);
    }
    out.push(Buffer.from(`i${value}e`, 'ascii'));
  } else if (Array.isArray(value)) {
    out.push(Buffer.from('l'));
    for (const item of value as readonly BencodeValue[]) encodeInto(item, out);
    out.push(Buffer.from('e'));
  } else if (typeof value === 'object' && value !== null) {
    out.push(Buffer.from('d'));
    // The spec orders keys by their raw bytes, not by UTF-16 code units.
    const entries = Object.entries(value).map(([key, item]) => [Buffer.from(key, 'utf8'), item] as const);
    entries.sort(([a], [b]) => Buffer.compare(a, b));
    for (const [key, item] of entries) {
      out.push(...byteString(key));
      encodeInto(item, out);
    }
    out.push(Buffer.from('e'));
  } else {
    throw new BencodeError(`cannot bencode a value of type ${typeof value}`);
  }
}

/**
 * Encodes a value as bencode (BEP 3): integers `i…e`, byte strings `<len>:<bytes>`, lists `l…e`,
 * dictionaries `d…e` with keys sorted by their bytes.
 *
 * @throws BencodeError for a value bencode cannot represent
 */
export function bencode(value: BencodeValue): Buffer {
  const out: Buffer[] = [];
  encodeInto(value, out);
  return Buffer.concat(out);
}
