import {
  type ColumnFamily,
  isColumnFamily,
  isFiniteValue,
  isSampleValue,
  type Labels,
  type MetricFamily,
  type Sample,
  type SampleFamily,
  type ValueColumn,
} from './types.js';

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

/** `labels` with exactly the family's label names, long values cut (the same object when nothing was cut). */
function checkLabels(family: MetricFamily, labels: Labels): Labels {
  let bounded: Record<string, string> | undefined;
  const { labelNames } = family;
  for (let index = 0; index < labelNames.length; index++) {
    const name = labelNames[index] as string;
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
  return bounded ?? labels;
}

function nonFinite(family: MetricFamily, value: unknown): InvalidFamilyError {
  return new InvalidFamilyError(family.name, `non-finite value ${String(value).slice(0, 40)}`);
}

function checkSample(family: MetricFamily, sample: Sample): Sample {
  const labels = checkLabels(family, sample.labels);
  if (typeof sample.value !== 'number' || !Number.isFinite(sample.value)) throw nonFinite(family, sample.value);
  return labels === sample.labels ? sample : { labels, value: sample.value };
}

/**
 * The series of one family seen so far, by their first two labels (usually `daemon` and `hash`, or
 * `daemon` and one more): no key string per series. Series that share both are compared label by
 * label (few: e.g. the error kinds of one tracker).
 */
class SeriesSet {
  readonly #seen = new Map<string, Map<string, Labels | Labels[]>>();
  readonly #first: string | undefined;
  readonly #second: string | undefined;
  readonly #rest: readonly string[];

  constructor(labelNames: readonly string[]) {
    [this.#first, this.#second, ...this.#rest] = labelNames;
  }

  /** Adds a series; false when the family already has one with these labels. */
  add(labels: Labels): boolean {
    const group = this.#first === undefined ? '' : (labels[this.#first] as string);
    const key = this.#second === undefined ? '' : (labels[this.#second] as string);
    let byKey = this.#seen.get(group);
    if (byKey === undefined) {
      byKey = new Map();
      this.#seen.set(group, byKey);
    }
    const earlier = byKey.get(key);
    if (earlier === undefined) {
      byKey.set(key, labels);
      return true;
    }
    const same = Array.isArray(earlier) ? earlier : [earlier];
    if (same.some((other) => this.#rest.every((name) => other[name] === labels[name]))) return false;
    same.push(labels);
    byKey.set(key, same);
    return true;
  }
}

/**
 * Checks the families one collector derived for one daemon before they can reach an exposition:
 * valid names, each family name once per daemon (`taken` holds the names this daemon's other
 * collectors already used), every sample with exactly the declared labels, no two samples with the
 * same labels, finite values. Label values are cut to {@link MAX_LABEL_VALUE_LENGTH}; negative
 * counter samples are dropped (Deluge's totals never go below 0, so one that does is not a counter).
 * A column family has one column; its series list is checked once for all the families that share
 * it (labels, cut, uniqueness), its values each (finite or `NaN` for no sample).
 * Returns the families to expose (the same objects when nothing changed).
 * @throws {FamilyConflictError | InvalidFamilyError}
 */
export function checkFamilies(families: readonly MetricFamily[], taken: ReadonlySet<string>): MetricFamily[] {
  const names = new Set<string>();
  const checkedSeries: CheckedSeries = new Map();
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
    return isColumnFamily(family) ? checkColumnFamily(family, checkedSeries) : checkSampleFamily(family);
  });
}

function checkSampleFamily(family: SampleFamily): SampleFamily {
  const seen = new SeriesSet(family.labelNames);
  let samples: Sample[] | undefined;
  family.samples.forEach((original, index) => {
    const sample = checkSample(family, original);
    if (!seen.add(sample.labels)) throw duplicateSeries(family);
    const dropped = family.type === 'counter' && sample.value < 0;
    if (samples === undefined && (dropped || sample !== original)) samples = family.samples.slice(0, index);
    if (samples !== undefined && !dropped) samples.push(sample);
  });
  return samples === undefined ? family : { ...family, samples };
}

const duplicateSeries = (family: MetricFamily) =>
  new InvalidFamilyError(family.name, 'two samples with the same labels');

/** Series lists already checked in one `checkFamilies` call, by list and label names. */
type CheckedSeries = Map<readonly Labels[], Map<string, readonly Labels[]>>;

function checkColumnFamily(family: ColumnFamily, checked: CheckedSeries): ColumnFamily {
  const [column, ...more] = family.columns;
  if (column === undefined || more.length > 0) throw new InvalidFamilyError(family.name, 'not one column');
  if (column.values.length !== column.series.length) {
    throw new InvalidFamilyError(family.name, 'not one value per series');
  }
  const series = checkSeries(family, column.series, checked);
  const values = checkValues(family, column.values);
  return series === column.series && values === column.values ? family : { ...family, columns: [{ series, values }] };
}

/** The series list with its labels checked and cut; the same list when nothing was cut. */
function checkSeries(family: ColumnFamily, series: readonly Labels[], checked: CheckedSeries): readonly Labels[] {
  const namesKey = family.labelNames.join(',');
  let byNames = checked.get(series);
  const known = byNames?.get(namesKey);
  if (known !== undefined) return known;
  const seen = new SeriesSet(family.labelNames);
  let cut: Labels[] | undefined;
  series.forEach((original, index) => {
    const labels = checkLabels(family, original);
    if (!seen.add(labels)) throw duplicateSeries(family);
    if (cut === undefined && labels !== original) cut = series.slice(0, index);
    cut?.push(labels);
  });
  const result = cut ?? series;
  if (byNames === undefined) {
    byNames = new Map();
    checked.set(series, byNames);
  }
  byNames.set(namesKey, result);
  return result;
}

/** The values with negative counter values turned into "no sample"; the same array when none was. */
function checkValues(family: ColumnFamily, values: Float64Array): Float64Array {
  const counter = family.type === 'counter';
  let kept: Float64Array | undefined;
  for (let index = 0; index < values.length; index++) {
    const value = values[index] as number;
    if (!isFiniteValue(value)) {
      if (!isSampleValue(value)) continue;
      throw nonFinite(family, value);
    }
    if (counter && value < 0) {
      kept ??= values.slice();
      kept[index] = Number.NaN;
    }
  }
  return kept ?? values;
}

/** Families merged by name, and the names dropped because they disagreed with an earlier family. */
export interface MergedFamilies {
  readonly families: MetricFamily[];
  readonly conflicts: string[];
}

/**
 * Merges families of the same name (one per daemon) into one family with all samples (all columns
 * of column families), keeping the first-seen order of names. A family whose kind, type or label
 * names differ from the first one of its name is left out and named in `conflicts`: one bad source
 * never takes the exposition down.
 */
export function mergeFamilies(families: readonly MetricFamily[]): MergedFamilies {
  const byName = new Map<string, { first: MetricFamily; samples: Sample[]; columns: ValueColumn[] }>();
  const conflicts: string[] = [];
  for (const current of families) {
    let entry = byName.get(current.name);
    if (entry === undefined) {
      entry = { first: current, samples: [], columns: [] };
      byName.set(current.name, entry);
    } else if (
      entry.first.type !== current.type ||
      isColumnFamily(entry.first) !== isColumnFamily(current) ||
      !sameLabelNames(entry.first.labelNames, current.labelNames)
    ) {
      conflicts.push(current.name);
      continue;
    }
    if (isColumnFamily(current)) entry.columns.push(...current.columns);
    else for (const sample of current.samples) entry.samples.push(sample);
  }
  return {
    families: [...byName.values()].map(({ first, samples, columns }) =>
      isColumnFamily(first) ? { ...first, columns } : { ...first, samples },
    ),
    conflicts,
  };
}
function sameLabelNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
