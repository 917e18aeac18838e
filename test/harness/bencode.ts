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

/** A decoded bencode value: byte strings stay Buffers (they may be binary), dictionary keys are UTF-8. */
export type DecodedBencode = bigint | Buffer | DecodedBencode[] | { [key: string]: DecodedBencode };

function decodeAt(bytes: Buffer, start: number): [DecodedBencode, number] {
  const at = (offset: number) => {
    if (offset >= bytes.length) throw new BencodeError(`bencode ends at byte ${offset} inside a value`);
    return String.fromCharCode(bytes[offset] as number);
  };
  const head = at(start);
  if (head === 'i') {
    const end = bytes.indexOf('e', start);
    const digits = bytes.toString('ascii', start + 1, end);
    if (end < 0 || !/^(?:0|-?[1-9]\d*)$/.test(digits)) throw new BencodeError(`bad integer at byte ${start}`);
    return [BigInt(digits), end + 1];
  }
  if (head === 'l' || head === 'd') {
    const items: DecodedBencode[] = [];
    let offset = start + 1;
    while (at(offset) !== 'e') {
      const [item, next] = decodeAt(bytes, offset);
      items.push(item);
      offset = next;
    }
    if (head === 'l') return [items, offset + 1];
    if (items.length % 2 !== 0) throw new BencodeError(`dictionary at byte ${start} has a key without a value`);
    const dict: { [key: string]: DecodedBencode } = {};
    for (let index = 0; index < items.length; index += 2) {
      const key = items[index];
      if (!Buffer.isBuffer(key)) throw new BencodeError(`dictionary at byte ${start} has a key that is not a string`);
      dict[key.toString('utf8')] = items[index + 1] as DecodedBencode;
    }
    return [dict, offset + 1];
  }
  const colon = bytes.indexOf(':', start);
  const length = bytes.toString('ascii', start, colon);
  if (colon < 0 || !/^(?:0|[1-9]\d*)$/.test(length)) throw new BencodeError(`bad byte string length at byte ${start}`);
  const end = colon + 1 + Number(length);
  if (end > bytes.length) throw new BencodeError(`byte string at byte ${start} runs past the end`);
  return [bytes.subarray(colon + 1, end), end];
}

/**
 * Decodes one bencode value that fills `bytes` (e.g. a .torrent file). Integers come back as bigint,
 * byte strings as Buffers.
 *
 * @throws BencodeError for malformed input or bytes after the value (the message names the offset)
 */
export function bdecode(bytes: Buffer): DecodedBencode {
  const [value, end] = decodeAt(bytes, 0);
  if (end !== bytes.length) throw new BencodeError(`${bytes.length - end} bytes after the value at byte ${end}`);
  return value;
}
