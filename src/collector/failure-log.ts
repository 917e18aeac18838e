import type { Logger } from 'pino';
import { shortenForLog } from '../rpc/shorten.js';
import type { Problem } from './collector.js';

/** Scrapes in a row that must succeed before a failure streak counts as over (and "recovered" is logged). */
export const RECOVERY_SCRAPES = 3;

/** An error as a log field: class, kind and a short message; never the daemon's traceback or arguments. */
export function errorField(error: unknown): { type: string; kind?: string; message: string } {
  if (!(error instanceof Error)) return { type: 'Error', message: shortenForLog(String(error)) };
  const kind = 'kind' in error && typeof error.kind === 'string' ? { kind: error.kind } : {};
  return { type: error.name, ...kind, message: shortenForLog(error.message) };
}

/**
 * Logs failures of one daemon once per streak. A streak starts with an error line and ends only after
 * {@link RECOVERY_SCRAPES} good scrapes in a row, so a flapping daemon logs one line, not one per
 * scrape. A collector failure of an otherwise healthy daemon is a warning, once while it lasts.
 */
export class FailureLog {
  #failing = false;
  #goodInARow = 0;
  #failingCollectors = new Set<string>();

  constructor(private readonly logger: Logger) {}

  /** Whether a daemon failure streak is going on. */
  get failing(): boolean {
    return this.#failing;
  }

  /** The scrape failed as a whole (connection, login, deadline, or a required collector). */
  daemonFailed(error: unknown, problems: readonly (Problem & { collector: string })[] = []): void {
    this.#goodInARow = 0;
    this.#failingCollectors = new Set(problems.map((problem) => problem.collector));
    if (this.#failing) return;
    this.#failing = true;
    this.logger.error(
      {
        error: errorField(error),
        ...(problems.length === 0 ? {} : { problems: problems.map((problem) => shortenForLog(problem.message)) }),
      },
      'scrape of daemon failed; further failures are not logged until it recovers',
    );
  }

  /** Every required collector succeeded; `problems` are the optional collectors' failures. */
  daemonAnswered(problems: readonly (Problem & { collector: string })[]): void {
    if (this.#failing) {
      this.#goodInARow += 1;
      if (this.#goodInARow >= RECOVERY_SCRAPES) {
        this.#failing = false;
        this.logger.info('daemon recovered');
      }
    }
    const failingNow = new Set<string>();
    for (const problem of problems) {
      if (failingNow.has(problem.collector)) continue;
      failingNow.add(problem.collector);
      if (this.#failingCollectors.has(problem.collector)) continue;
      this.logger.warn(
        { collector: problem.collector, method: problem.method, error: errorField(problem.error ?? problem.message) },
        `collector ${problem.collector} failed; not logged again while it keeps failing`,
      );
    }
    this.#failingCollectors = failingNow;
  }
}
