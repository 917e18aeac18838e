/** How much a quantity sampled during a soak grew over the run, judged by its trend rather than by single samples. */

export interface Sample {
  /** When it was taken (the scrape number). */
  readonly at: number;
  readonly value: number;
}

export interface Growth {
  /** The least-squares line's value at the first sample. */
  readonly start: number;
  /** The line's value at the last sample. */
  readonly end: number;
  /** (end - start) / start: +0.1 is 10 % growth over the sampled span. */
  readonly relative: number;
}

/**
 * The least-squares line through `samples`, read at the first and the last sample. Unlike comparing
 * the largest sample with the first, a line through all of them is not moved much by one noisy
 * sample (a full GC leaves RSS anywhere in a band tens of MiB wide), while memory that a leak keeps
 * adding tilts it. @throws RangeError for fewer than two samples or all at the same time.
 */
export function growthOverRun(samples: readonly Sample[]): Growth {
  const n = samples.length;
  const first = samples[0];
  const last = samples[n - 1];
  if (first === undefined || last === undefined || n < 2 || first.at === last.at) {
    throw new RangeError(`a trend needs two or more samples at different times (got ${n})`);
  }
  const meanAt = samples.reduce((sum, s) => sum + s.at, 0) / n;
  const meanValue = samples.reduce((sum, s) => sum + s.value, 0) / n;
  let covariance = 0;
  let variance = 0;
  for (const s of samples) {
    covariance += (s.at - meanAt) * (s.value - meanValue);
    variance += (s.at - meanAt) ** 2;
  }
  const slope = covariance / variance;
  const start = meanValue + slope * (first.at - meanAt);
  const end = meanValue + slope * (last.at - meanAt);
  return { start, end, relative: (end - start) / start };
}
