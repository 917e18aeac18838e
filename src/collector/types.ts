/** Metric families as plain data: collectors return these, exposition renders them. */
export type MetricType = 'gauge' | 'counter';

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly labels: Labels;
  readonly value: number;
}

interface FamilyHead {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
}

/** A family of individually built samples (daemon facts, aggregates, health). */
export interface SampleFamily extends FamilyHead {
  readonly samples: readonly Sample[];
}

/**
 * One family's values for a list of series: `values[i]` is the sample of `series[i]`, `NaN` means no
 * sample. The families of one torrent list share one `series` array (per-torrent: `{daemon, hash}`
 * per torrent), so its labels are checked and rendered once, not once per family.
 */
export interface ValueColumn {
  readonly series: readonly Labels[];
  readonly values: Float64Array;
}

/** A family in columns: one per daemon from its collector, several once daemons are merged. */
export interface ColumnFamily extends FamilyHead {
  readonly columns: readonly ValueColumn[];
}

export type MetricFamily = SampleFamily | ColumnFamily;

export function isColumnFamily(family: MetricFamily): family is ColumnFamily {
  return 'columns' in family;
}

// Comparisons instead of `Number.isNaN` and `Number.isFinite`, and indexed loops instead of `for…of`
// over columns: without TurboFan (Node.js 24 and later, src/cli/memory-defaults.ts) V8's Maglev calls
// those builtins with each double boxed and iterates with a result object per value, which made
// these per-value checks the largest allocations of a per-torrent scrape (docs/benchmarks.md).

/** Whether a column value is a sample: every number but `NaN`, the "no sample" mark. */
export function isSampleValue(value: number): boolean {
  // biome-ignore lint/suspicious/noSelfCompare: NaN is the one number unequal to itself (see above)
  return value === value;
}

/** Whether `value` is neither `NaN` nor ±Infinity. */
export function isFiniteValue(value: number): boolean {
  return value - value === 0;
}

/** Number of samples of a family (omitted column values not counted). */
export function sampleCount(family: MetricFamily): number {
  if (!isColumnFamily(family)) return family.samples.length;
  let count = 0;
  for (let column = 0; column < family.columns.length; column++) {
    const { values } = family.columns[column] as ValueColumn;
    for (let index = 0; index < values.length; index++) if (isSampleValue(values[index] as number)) count += 1;
  }
  return count;
}

/** The samples of a family as objects (for tests and the debug probe; the exposition never builds these). */
export function samplesOf(family: MetricFamily): Sample[] {
  if (!isColumnFamily(family)) return [...family.samples];
  const samples: Sample[] = [];
  for (const { series, values } of family.columns) {
    values.forEach((value, index) => {
      if (!Number.isNaN(value)) samples.push({ labels: series[index] as Labels, value });
    });
  }
  return samples;
}
