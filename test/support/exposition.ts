/** One sample line of the Prometheus text exposition format. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** `# HELP` and `# TYPE` of one metric family. */
export interface ParsedFamily {
  readonly name: string;
  help?: string;
  type?: string;
}

/** A parsed exposition: families by name and every sample in order. */
export interface ParsedExposition {
  readonly families: ReadonlyMap<string, ParsedFamily>;
  readonly samples: readonly ParsedSample[];
}

/** A line of exposition text that is not valid text format 0.0.4. */
export class ExpositionParseError extends Error {
  override readonly name = 'ExpositionParseError';
  constructor(
    readonly lineNumber: number,
    readonly line: string,
    detail: string,
  ) {
    super(`exposition line ${lineNumber}: ${detail}: ${JSON.stringify(line)}`);
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\', '"': '"', n: '\n' };

/** Parses a sample value as Prometheus does (Go's ParseFloat: `NaN` and `Inf` in any case; prom-client writes `Nan`). */
function parseValue(text: string): number {
  const special = text.toLowerCase();
  if (special === '+inf' || special === 'inf') return Number.POSITIVE_INFINITY;
  if (special === '-inf') return Number.NEGATIVE_INFINITY;
  if (special === 'nan') return Number.NaN;
  if (!/^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/.test(text)) throw new Error(`bad value ${JSON.stringify(text)}`);
  return Number(text);
}

/** Parses `{a="x",b="y"}` at the start of `text`; returns the labels and the rest of the line. */
function parseLabels(text: string): { labels: Record<string, string>; rest: string } {
  const labels: Record<string, string> = {};
  let rest = text.slice(1);
  while (!rest.startsWith('}')) {
    const name = LABEL_NAME.exec(rest)?.[0];
    if (name === undefined || rest[name.length] !== '=' || rest[name.length + 1] !== '"') {
      throw new Error('bad label');
    }
    rest = rest.slice(name.length + 2);
    let value = '';
    for (;;) {
      const char = rest[0];
      if (char === undefined) throw new Error('unterminated label value');
      rest = rest.slice(1);
      if (char === '"') break;
      if (char !== '\\') {
        value += char;
        continue;
      }
      const escaped = ESCAPES[rest[0] ?? ''];
      if (escaped === undefined) throw new Error('bad escape in label value');
      value += escaped;
      rest = rest.slice(1);
    }
    if (Object.hasOwn(labels, name)) throw new Error(`duplicate label ${name}`);
    labels[name] = value;
    if (rest.startsWith(',')) rest = rest.slice(1);
    else if (!rest.startsWith('}')) throw new Error('expected , or }');
  }
  return { labels, rest: rest.slice(1) };
}

/**
 * Parses Prometheus text exposition format 0.0.4 (what prom-client writes), strictly enough for tests:
 * any malformed line throws {@link ExpositionParseError}. Timestamps are rejected (exporters must not set them).
 */
export function parseExposition(text: string): ParsedExposition {
  const families = new Map<string, ParsedFamily>();
  const samples: ParsedSample[] = [];
  const family = (name: string): ParsedFamily => {
    const existing = families.get(name);
    if (existing !== undefined) return existing;
    const created: ParsedFamily = { name };
    families.set(name, created);
    return created;
  };
  text.split('\n').forEach((line, index) => {
    const lineNumber = index + 1;
    if (line.trim() === '') return;
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) ?(.*)$/.exec(line);
    if (meta !== null) {
      const [, kind, name = '', rest = ''] = meta;
      if (kind === 'HELP') family(name).help = rest;
      else family(name).type = rest;
      return;
    }
    if (line.startsWith('#')) return;
    try {
      const name = METRIC_NAME.exec(line)?.[0];
      if (name === undefined) throw new Error('no metric name');
      let rest = line.slice(name.length);
      let labels: Record<string, string> = {};
      if (rest.startsWith('{')) ({ labels, rest } = parseLabels(rest));
      const fields = rest.trim().split(/\s+/);
      if (!rest.startsWith(' ') || fields.length !== 1 || fields[0] === undefined) {
        throw new Error('expected exactly one value and no timestamp');
      }
      samples.push({ name, labels, value: parseValue(fields[0]) });
    } catch (error) {
      throw new ExpositionParseError(lineNumber, line, error instanceof Error ? error.message : String(error));
    }
  });
  return { families, samples };
}

/** Samples named `name` whose labels include every pair of `labels`. */
export function findSamples(
  exposition: ParsedExposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): ParsedSample[] {
  return exposition.samples.filter(
    (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
}

/**
 * The value of the one sample named `name` with (at least) `labels`.
 * @throws Error naming the metric when there is no such sample or more than one
 */
export function sampleValue(
  exposition: ParsedExposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const found = findSamples(exposition, name, labels);
  if (found.length !== 1) {
    throw new Error(`expected exactly one sample ${name}${JSON.stringify(labels)}, found ${found.length}`);
  }
  return (found[0] as ParsedSample).value;
}
