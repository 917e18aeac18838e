import type { MetricFamily, Sample } from './types.js';

/** Longest label value taken from a daemon answer, in UTF-16 code units; longer ones are cut and end in `…`. */
export const MAX_LABEL_VALUE_LENGTH = 1024;

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Two families with one name: defined twice by one daemon, or with another type or other labels elsewhere. */
export class FamilyConflictError extends Error {
  override readonly name = 'FamilyConflictError';
  readonly code = 'DELUGE_EXPORTER_FAMILY_CONFLICT';
  constructor(readonly familyName: string) {
    super(`metric family ${familyName} is defined twice`);
  }
}

/** A family that cannot be exposed as it is: a bad name, a sample without its labels, a duplicate series, a non-finite value. */
export class InvalidFamilyError extends Error {
  override readonly name = 'InvalidFamilyError';
  readonly code = 'DELUGE_EXPORTER_INVALID_FAMILY';
  constructor(
    readonly familyName: string,
    detail: string,
  ) {
    super(`metric family ${familyName.slice(0, 200)}: ${detail}`);
  }
}

/** `value` cut to {@link MAX_LABEL_VALUE_LENGTH}, never inside a surrogate pair. */
export function boundLabelValue(value: string): string {
  if (value.length <= MAX_LABEL_VALUE_LENGTH) return value;
  let end = MAX_LABEL_VALUE_LENGTH - 1;
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

function checkSample(family: MetricFamily, sample: Sample): Sample {
  const { labels } = sample;
  let bounded: Record<string, string> | undefined;
  for (const name of family.labelNames) {
    const value = labels[name];
    if (typeof value !== 'string') throw new InvalidFamilyError(family.name, `a sample has no label ${name}`);
    if (value.length > MAX_LABEL_VALUE_LENGTH) {
      bounded ??= { ...labels };
      bounded[name] = boundLabelValue(value);
    }
  }
  let count = 0;
  for (const _ in labels) count += 1;
  if (count !== family.labelNames.length) {
    throw new InvalidFamilyError(family.name, 'a sample has labels the family does not declare');
  }
  if (typeof sample.value !== 'number' || !Number.isFinite(sample.value)) {
    throw new InvalidFamilyError(family.name, `non-finite value ${String(sample.value).slice(0, 40)}`);
  }
  return bounded === undefined ? sample : { labels: bounded, value: sample.value };
}

/**
 * The series of one family seen so far. Label values are grouped by the first label (usually
 * `daemon`), so the common `{daemon, hash}` series need no key string at all; further labels are
 * joined by NUL.
 */
class SeriesSet {
  readonly #byFirstLabel = new Map<string, Set<string>>();
  readonly #first: string | undefined;
  readonly #rest: readonly string[];

  constructor(labelNames: readonly string[]) {
    [this.#first, ...this.#rest] = labelNames;
  }

  /** Adds a series; false when the family already has one with these labels. */
  add(labels: Readonly<Record<string, string>>): boolean {
    const first = this.#first;
    const rest = this.#rest;
    const group = first === undefined ? '' : (labels[first] as string);
    let key = rest.length === 1 ? (labels[rest[0] as string] as string) : '';
    if (rest.length > 1) for (const name of rest) key += `${labels[name]}\u0000`;
    let seen = this.#byFirstLabel.get(group);
    if (seen === undefined) {
      seen = new Set();
      this.#byFirstLabel.set(group, seen);
    }
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }
}

/**
 * Checks the families one collector derived for one daemon before they can reach an exposition:
 * valid names, each family name once per daemon (`taken` holds the names this daemon's other
 * collectors already used), every sample with exactly the declared labels, no two samples with the
 * same labels, finite values. Label values are cut to {@link MAX_LABEL_VALUE_LENGTH}; negative
 * counter samples are dropped (Deluge's totals never go below 0, so one that does is not a counter).
 * Returns the families to expose (the same objects when nothing changed).
 * @throws {FamilyConflictError | InvalidFamilyError}
 */
export function checkFamilies(families: readonly MetricFamily[], taken: ReadonlySet<string>): MetricFamily[] {
  const names = new Set<string>();
  return families.map((family) => {
    if (!METRIC_NAME.test(family.name)) throw new InvalidFamilyError(family.name, 'not a valid metric name');
    if (taken.has(family.name) || names.has(family.name)) throw new FamilyConflictError(family.name);
    names.add(family.name);
    const labelNames = new Set(family.labelNames);
    if (labelNames.size !== family.labelNames.length) throw new InvalidFamilyError(family.name, 'repeated label name');
    for (const label of family.labelNames) {
      if (!LABEL_NAME.test(label) || label.startsWith('__')) {
        throw new InvalidFamilyError(family.name, `invalid label name ${label.slice(0, 100)}`);
      }
    }
    const seen = new SeriesSet(family.labelNames);
    let samples: Sample[] | undefined;
    family.samples.forEach((original, index) => {
      const sample = checkSample(family, original);
      if (!seen.add(sample.labels)) throw new InvalidFamilyError(family.name, 'two samples with the same labels');
      const dropped = family.type === 'counter' && sample.value < 0;
      if (samples === undefined && (dropped || sample !== original)) samples = family.samples.slice(0, index);
      if (samples !== undefined && !dropped) samples.push(sample);
    });
    return samples === undefined ? family : { ...family, samples };
  });
}

/** Families merged by name, and the names dropped because they disagreed with an earlier family. */
export interface MergedFamilies {
  readonly families: MetricFamily[];
  readonly conflicts: string[];
}

/**
 * Merges families of the same name (one per daemon) into one family with all samples, keeping the
 * first-seen order of names. A family whose type or label names differ from the first one of its
 * name is left out and named in `conflicts`: one bad source never takes the exposition down.
 */
export function mergeFamilies(families: readonly MetricFamily[]): MergedFamilies {
  const byName = new Map<string, { first: MetricFamily; samples: Sample[] }>();
  const conflicts: string[] = [];
  for (const current of families) {
    const entry = byName.get(current.name);
    if (entry === undefined) {
      byName.set(current.name, { first: current, samples: [...current.samples] });
      continue;
    }
    if (entry.first.type !== current.type || !sameLabelNames(entry.first.labelNames, current.labelNames)) {
      conflicts.push(current.name);
      continue;
    }
    for (const sample of current.samples) entry.samples.push(sample);
  }
  return { families: [...byName.values()].map(({ first, samples }) => ({ ...first, samples })), conflicts };
}

function sameLabelNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
