/**
 * The test rewrite of the shipped alert rules (docs/alerts.md, "How the chain is proven"): every
 * `for:` duration divided by a factor, every other byte of the file (expressions, labels,
 * annotations, comments) kept as it is.
 */

/** A `for:` value that is not a Prometheus duration, or a factor that is not a number > 0. */
export class RuleRewriteError extends Error {
  override readonly name = 'RuleRewriteError';
}

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** A Prometheus duration (`90s`, `1h30m`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  const parts = [...text.matchAll(/(\d+)(ms|[ywdhms])/g)];
  if (text === '' || parts.map((part) => part[0]).join('') !== text) {
    throw new RuleRewriteError(`not a Prometheus duration: ${JSON.stringify(text)}`);
  }
  return parts.reduce((sum, [, count, unit]) => sum + Number(count) * (UNIT_MS[unit ?? ''] ?? 0), 0);
}

/** Milliseconds as a Prometheus duration: whole seconds as `Ns`, anything else as `Nms`. */
export function formatDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** A rule's `for:` line: the indented key and its value, up to the end of the line. */
const FOR_LINE = /^( +for: )(.*)$/gm;

/** How {@link shortenForDurations} shortens: divide by `divisor`, then cap at `atMostMs`. */
export interface ForShortening {
  readonly divisor: number;
  readonly atMostMs: number;
}

/**
 * `rulesText` with every rule's `for:` divided by `divisor` and capped at `atMostMs` (rounded to
 * whole milliseconds, at least 1): with 360 and 10 s, 1h becomes 10s, 5m 833ms and 6h 10s. Only the
 * durations on `for:` lines change.
 *
 * @throws RuleRewriteError naming a `for:` value that is not a duration, or a divisor or cap that is not > 0
 */
export function shortenForDurations(rulesText: string, { divisor, atMostMs }: ForShortening): string {
  for (const [name, value] of [
    ['divisor', divisor],
    ['cap', atMostMs],
  ] as const) {
    if (!Number.isFinite(value) || value <= 0)
      throw new RuleRewriteError(`the ${name} must be a number > 0, got ${value}`);
  }
  return rulesText.replace(FOR_LINE, (_line, key: string, duration: string) => {
    const shortened = Math.min(atMostMs, Math.max(1, Math.round(durationMs(duration) / divisor)));
    return `${key}${formatDuration(shortened)}`;
  });
}
