/**
 * Reading a Web UI answer body: checked against the decoding budget the RPC client applies to rencode
 * (depth, values, containers, entries of one container, string bytes) in one pass over the bytes,
 * BEFORE `JSON.parse` builds anything; then parsed and checked to be a JSON-RPC 1.0 answer.
 *
 * deluge-web writes Python's `json.dumps`, which spells non-finite floats `Infinity`, `-Infinity` and
 * `NaN` (not JSON): the first two are read as the infinities, `NaN` as `null`.
 */
import type { RencodeDecodeLimits } from '../rpc/rencode.js';
import { shortenForLog } from '../rpc/shorten.js';
import { WebUiAnswerShapeError, WebUiLimitError, WebUiNotJsonError } from './errors.js';

/** One JSON-RPC 1.0 answer as deluge-web sends it. */
export interface JsonRpcAnswer {
  readonly result: unknown;
  readonly error: { readonly message: string; readonly code: number } | null;
  readonly id: unknown;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** 1 for the bytes that end a bare token (number, true, false, null, NaN, Infinity): `,]}:[{"` and whitespace. */
const ENDS_TOKEN = new Uint8Array(256);
for (const byte of Buffer.from(',]}:[{" \n\r\t', 'latin1')) ENDS_TOKEN[byte] = 1;

/** A bare token that is not JSON but Python's spelling of a non-finite float: where, and what to put there. */
interface NonFinite {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

function limitError(limit: keyof RencodeDecodeLimits, maximum: number, what: string): WebUiLimitError {
  return new WebUiLimitError(`answer has more than ${maximum} ${what} (limit ${limit})`, limit, maximum);
}

/**
 * Walks the bytes of a JSON text once, counting what parsing it would build, and throws as soon as a
 * budget is broken. Not a validator: malformed text is left to `JSON.parse`.
 * @returns the non-finite tokens found (usually none)
 * @throws WebUiLimitError naming the broken limit
 */
export function checkJsonBudget(bytes: Buffer, limits: RencodeDecodeLimits): NonFinite[] {
  const { maxDepth, maxValues, maxContainers, maxContainerEntries, maxStringBytes } = limits;
  // Entries of each open container; -1 while it has none yet.
  const entries = new Int32Array(maxDepth + 2);
  const nonFinite: NonFinite[] = [];
  let depth = 0;
  let values = 0;
  let containers = 0;
  let stringBytes = 0;
  let pos = 0;
  const length = bytes.length;
  // A value (or key) starts in the container at `depth`: its first entry makes it hold one.
  const valueStarts = (): void => {
    if (++values > maxValues) throw limitError('maxValues', maxValues, 'values');
    if (entries[depth] === -1) entries[depth] = 1;
  };
  while (pos < length) {
    const byte = bytes[pos] as number;
    if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09 || byte === 0x3a) {
      pos++;
    } else if (byte === 0x7b || byte === 0x5b) {
      valueStarts();
      if (++containers > maxContainers) throw limitError('maxContainers', maxContainers, 'containers');
      if (++depth > maxDepth) throw limitError('maxDepth', maxDepth, 'levels of nesting');
      entries[depth] = -1;
      pos++;
    } else if (byte === 0x7d || byte === 0x5d) {
      if (depth > 0) depth--;
      pos++;
    } else if (byte === 0x2c) {
      if (depth > 0 && ++(entries[depth] as number) > maxContainerEntries) {
        throw limitError('maxContainerEntries', maxContainerEntries, 'entries in one list or dict');
      }
      pos++;
    } else if (byte === QUOTE) {
      valueStarts();
      let end = bytes.indexOf(QUOTE, pos + 1);
      while (end !== -1 && escaped(bytes, end)) end = bytes.indexOf(QUOTE, end + 1);
      if (end === -1) return nonFinite; // unterminated: JSON.parse says so
      stringBytes += end - pos - 1;
      if (stringBytes > maxStringBytes) throw limitError('maxStringBytes', maxStringBytes, 'bytes of strings');
      pos = end + 1;
    } else {
      valueStarts();
      const start = pos;
      while (pos < length && ENDS_TOKEN[bytes[pos] as number] === 0) pos++;
      const first = byte === 0x2d ? bytes[start + 1] : byte;
      if (first === 0x49 || first === 0x4e) nonFinite.push(nonFiniteToken(bytes, start, pos));
    }
  }
  return nonFinite;
}

/** Whether the quote at `at` is escaped (an odd number of backslashes before it). */
function escaped(bytes: Buffer, at: number): boolean {
  let backslashes = 0;
  while (bytes[at - 1 - backslashes] === BACKSLASH) backslashes++;
  return backslashes % 2 === 1;
}

function nonFiniteToken(bytes: Buffer, start: number, end: number): NonFinite {
  const token = bytes.toString('latin1', start, end);
  const replacement = { Infinity: '1e999', '-Infinity': '-1e999', NaN: 'null' }[token];
  // Anything else starting with I or N is not JSON: left as it is for JSON.parse to refuse.
  return { start, end, replacement: replacement ?? token };
}

/**
 * Parses an answer body within the budget and checks it is a JSON-RPC answer.
 * @throws WebUiLimitError, WebUiNotJsonError (not JSON), WebUiAnswerShapeError (JSON of another shape)
 */
export function parseJsonRpcAnswer(
  bytes: Buffer,
  limits: RencodeDecodeLimits,
  contentType: string,
  snippet: () => string,
): JsonRpcAnswer {
  const nonFinite = checkJsonBudget(bytes, limits);
  let text: string;
  if (nonFinite.length === 0) {
    text = bytes.toString('utf8');
  } else {
    const parts: string[] = [];
    let at = 0;
    for (const token of nonFinite) {
      parts.push(bytes.toString('utf8', at, token.start), token.replacement);
      at = token.end;
    }
    parts.push(bytes.toString('utf8', at));
    text = parts.join('');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const reason = `answer is not JSON (${shortenForLog(error instanceof Error ? error.message : String(error), 100)})`;
    throw new WebUiNotJsonError(contentType, snippet(), reason);
  }
  return asJsonRpcAnswer(value);
}

function asJsonRpcAnswer(value: unknown): JsonRpcAnswer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new WebUiAnswerShapeError(`answer is ${kindOf(value)}, not a JSON-RPC answer object`);
  }
  const record = value as Record<string, unknown>;
  if (!('result' in record) || !('error' in record)) {
    throw new WebUiAnswerShapeError(
      `answer object has no ${'result' in record ? '"error"' : '"result"'} member (keys ${describeKeys(record)})`,
    );
  }
  const error = record.error;
  if (error === null) return { result: record.result, error: null, id: record.id };
  if (typeof error !== 'object' || Array.isArray(error)) {
    throw new WebUiAnswerShapeError(`answer's "error" is ${kindOf(error)}, not null or {message, code}`);
  }
  const { message, code } = error as Record<string, unknown>;
  if (typeof code !== 'number' || !Number.isInteger(code)) {
    throw new WebUiAnswerShapeError(`answer's error code is ${kindOf(code)}, not an integer`);
  }
  return {
    result: record.result,
    error: { message: typeof message === 'string' ? message : '', code },
    id: record.id,
  };
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record);
  const shown = keys.slice(0, 5).map((key) => JSON.stringify(shortenForLog(key, 30)));
  return `${shown.join(', ') || 'none'}${keys.length > 5 ? `, … ${keys.length - 5} more` : ''}`;
}
