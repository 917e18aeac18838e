/** Small timing helpers shared by the benchmark scripts. */

/** The median of `samples` (the upper one for an even count); NaN when empty. */
export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/** Wall-clock milliseconds `work` takes. */
export function timeMs(work: () => void): number {
  const started = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - started) / 1e6;
}

/** Parses a command-line option that must be a positive integer, naming the option and value when it is not. */
export function positiveInteger(option: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${option}: not a positive integer: "${text}"`);
  return value;
}
