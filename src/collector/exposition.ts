import { releaseBytes } from '../rpc/release-bytes.js';
import { isColumnFamily, isSampleValue, type Labels, type MetricFamily, type ValueColumn } from './types.js';

/** Content type of the Prometheus text format 0.0.4 (what prom-client's registry also declares). */
export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** An exposition as UTF-8 chunks in order; no chunks when no family has a sample. */
export type Exposition = readonly Buffer[];

const NEEDS_TEXT_ESCAPE = /[\\\n]/;
const NEEDS_LABEL_ESCAPE = /[\\\n"]/;
const escapeText = (text: string) =>
  NEEDS_TEXT_ESCAPE.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
const escapeLabelValue = (value: string) =>
  NEEDS_LABEL_ESCAPE.test(value) ? escapeText(value).replace(/"/g, '\\"') : value;

const CHUNK_BYTES = 64 * 1024;
/**
 * A line's bytes besides name and labels: the longest `String(number)` of a double
 * ("-1.2345678901234567e-308" is 24) with room to spare, a space, a newline.
 */
const MAX_LINE_EXTRA_BYTES = 34;
const SPACE = 0x20;
const NEWLINE = 0x0a;

/**
 * Appends exposition text to 64 KiB byte chunks. Sample lines are copied from bytes rendered once
 * (the family name, each series' `{…}`) and numbers are written digit by digit, so a sample costs
 * no string and no object.
 */
class ChunkWriter {
  readonly #chunks: Buffer[] = [];
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #position = 0;

  /** Makes room for `bytes` more bytes in the current chunk. */
  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#chunk.length) return;
    this.#flush();
    this.#chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
  }

  #flush(): void {
    if (this.#position > 0) this.#chunks.push(this.#chunk.subarray(0, this.#position));
    this.#position = 0;
  }

  text(text: string): void {
    this.#reserve(Buffer.byteLength(text));
    this.#position += this.#chunk.write(text, this.#position);
  }

  /** The lines of one column: series `i` with `values[i]`, none where the value is `NaN`. */
  column(name: Uint8Array, { labels, longest }: RenderedSeries, values: Float64Array): void {
    const longestLine = name.length + longest + MAX_LINE_EXTRA_BYTES;
    for (let index = 0; index < values.length; index++) {
      const value = values[index] as number;
      if (!isSampleValue(value)) continue;
      this.#reserve(longestLine);
      this.#position = writeLine(this.#chunk, this.#position, name, labels[index] as Uint8Array, value);
    }
  }

  finish(): Buffer[] {
    this.#flush();
    return this.#chunks;
  }
}

/** Writes `name`, `labels`, a space, `value` and a newline at `position`; returns the position after them. */
function writeLine(chunk: Buffer, start: number, name: Uint8Array, labels: Uint8Array, value: number): number {
  // TypedArray#set, not a byte loop: V8 copies short arrays faster that way.
  chunk.set(name, start);
  let position = start + name.length;
  chunk.set(labels, position);
  position += labels.length;
  chunk[position++] = SPACE;
  position = Number.isSafeInteger(value)
    ? writeInteger(chunk, position, value)
    : writeAscii(chunk, position, `${value}`);
  chunk[position++] = NEWLINE;
  return position;
}

/** Writes a safe integer as `String(value)` would (−0 as `0`); returns the position after it. */
function writeInteger(chunk: Buffer, start: number, value: number): number {
  let position = start;
  let rest = value;
  if (rest < 0) {
    chunk[position++] = 0x2d;
    rest = -rest;
  }
  // Digits in 32-bit integer arithmetic: the part above 10^8 (< 2^31 for safe integers), then 8 digits.
  if (rest < 1e8) return writeDigits(chunk, position, rest, 0);
  const high = Math.floor(rest / 1e8);
  return writeDigits(chunk, writeDigits(chunk, position, high, 0), rest - high * 1e8, 8);
}

/** Writes `value` (0 ≤ value < 2^31) in decimal, zero-padded to `width`; returns the position after it. */
function writeDigits(chunk: Buffer, position: number, value: number, width: number): number {
  let digits = 1;
  for (let power = 10; power <= value; power *= 10) digits += 1;
  const end = position + Math.max(digits, width);
  let rest = value | 0;
  for (let index = end - 1; index >= position; index--) {
    const quotient = (rest / 10) | 0;
    chunk[index] = 0x30 + rest - quotient * 10;
    rest = quotient;
  }
  return end;
}

/** Writes an ASCII string (a formatted number); returns the position after it. */
function writeAscii(chunk: Buffer, start: number, text: string): number {
  let position = start;
  for (let index = 0; index < text.length; index++) chunk[position++] = text.charCodeAt(index);
  return position;
}

/** The `{…}` of each series of a list (views into `bytes`), and the longest one's length. */
interface RenderedSeries {
  readonly bytes: Buffer;
  readonly labels: readonly Uint8Array[];
  readonly longest: number;
}

/**
 * Writes a label value, escaped, at `start`; returns the position after it. `bytes` has room for
 * 6 bytes per UTF-16 unit (escaped, then UTF-8). ASCII without `\\`, `"` or a newline (hashes,
 * most names) is copied character by character; anything else goes through the escaping text path.
 */
function writeLabelValue(bytes: Buffer, start: number, value: string): number {
  let position = start;
  for (let index = 0; index < value.length; index++) {
    const code = value.charCodeAt(index);
    if (code >= 0x80 || code === 0x5c || code === 0x22 || code === NEWLINE) {
      return start + bytes.write(escapeLabelValue(value), start);
    }
    bytes[position++] = code;
  }
  return position;
}

/** `{name="value",…}` of each series of a list, written into one buffer (no string per series). */
function renderSeries(labelNames: readonly string[], series: readonly Labels[]): RenderedSeries {
  const openers = labelNames.map((name, index) => Buffer.from(`${index === 0 ? '{' : '",'}${name}="`));
  let bytes = Buffer.allocUnsafe(64 + series.length * 96);
  let position = 0;
  const starts = new Uint32Array(series.length + 1);
  for (let index = 0; index < series.length; index++) {
    const labels = series[index] as Labels;
    starts[index] = position;
    for (let at = 0; at < labelNames.length; at++) {
      const value = labels[labelNames[at] as string] ?? '';
      const opener = openers[at] as Buffer;
      const room = opener.length + value.length * 6 + 2;
      if (position + room > bytes.length) {
        const grown = Buffer.allocUnsafe(Math.max(bytes.length * 2, position + room));
        bytes.copy(grown, 0, 0, position);
        bytes = grown;
      }
      bytes.set(opener, position);
      position = writeLabelValue(bytes, position + opener.length, value);
    }
    if (labelNames.length > 0) {
      bytes[position++] = 0x22; // "
      bytes[position++] = 0x7d; // }
    }
  }
  starts[series.length] = position;
  let longest = 0;
  const labels = series.map((_, index) => {
    const length = (starts[index + 1] as number) - (starts[index] as number);
    longest = Math.max(longest, length);
    return new Uint8Array(bytes.buffer, bytes.byteOffset + (starts[index] as number), length);
  });
  return { bytes, labels, longest };
}

/**
 * Rendered series lists of one exposition, by list and label names: the per-torrent families of a
 * daemon share one list, so each torrent's `{daemon="…",hash="…"}` is built and escaped once.
 */
type SeriesCache = Map<readonly Labels[], Map<string, RenderedSeries>>;

function renderedSeries(cache: SeriesCache, labelNames: readonly string[], series: readonly Labels[]): RenderedSeries {
  const namesKey = labelNames.join(',');
  let byNames = cache.get(series);
  if (byNames === undefined) {
    byNames = new Map();
    cache.set(series, byNames);
  }
  let rendered = byNames.get(namesKey);
  if (rendered === undefined) {
    rendered = renderSeries(labelNames, series);
    byNames.set(namesKey, rendered);
  }
  return rendered;
}

/** A family's samples as columns (a sample family as one column of its own series). */
function columnsOf(family: MetricFamily): readonly ValueColumn[] {
  if (isColumnFamily(family)) return family.columns;
  const { samples } = family;
  return [{ series: samples.map((sample) => sample.labels), values: Float64Array.from(samples, (s) => s.value) }];
}

function hasSample(family: MetricFamily): boolean {
  if (!isColumnFamily(family)) return family.samples.length > 0;
  for (let column = 0; column < family.columns.length; column++) {
    const { values } = family.columns[column] as ValueColumn;
    for (let index = 0; index < values.length; index++) if (isSampleValue(values[index] as number)) return true;
  }
  return false;
}

/**
 * The Prometheus text format of `families`, byte for byte what prom-client's registry writes for the
 * same metrics (so the exporter's own prom-client registry can follow it in one answer): families
 * separated by an empty line, labels in the family's declared order. Families must be merged
 * (one per name) and checked (`checkFamilies`); families without samples are left out, so no
 * unlabelled metric shows a false 0.
 */
export function renderFamilies(families: readonly MetricFamily[]): Exposition {
  const writer = new ChunkWriter();
  const cache: SeriesCache = new Map();
  let first = true;
  for (const family of families) {
    if (!hasSample(family)) continue;
    const { name } = family;
    writer.text(`${first ? '' : '\n'}# HELP ${name} ${escapeText(family.help)}\n# TYPE ${name} ${family.type}\n`);
    first = false;
    const nameBytes = Buffer.from(name, 'latin1');
    for (const { series, values } of columnsOf(family)) {
      writer.column(nameBytes, renderedSeries(cache, family.labelNames, series), values);
    }
  }
  for (const byNames of cache.values()) for (const { bytes } of byNames.values()) releaseBytes(bytes);
  return writer.finish();
}

/** Gives the memory of an exposition's chunks back now, once they are sent or compressed (see `releaseBytes`). */
export function releaseExposition(exposition: Exposition): void {
  for (const chunk of exposition) releaseBytes(chunk);
}

/** One answer from several expositions, as one registry would write them. */
export function joinExpositions(...expositions: readonly Exposition[]): Exposition {
  const joined: Buffer[] = [];
  for (const exposition of expositions) {
    if (exposition.length === 0) continue;
    if (joined.length > 0) joined.push(Buffer.from('\n'));
    joined.push(...exposition);
  }
  return joined;
}

/** An exposition as one string. */
export function expositionText(exposition: Exposition): string {
  return Buffer.concat(exposition).toString('utf8');
}

/** A text (e.g. prom-client's registry's) as an exposition. */
export function textExposition(text: string): Exposition {
  return text === '' ? [] : [Buffer.from(text)];
}
