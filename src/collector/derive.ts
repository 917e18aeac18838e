import type { Answers, Collector, CollectorContext, DaemonFacts, Problem } from './collector.js';
import { checkFamilies } from './families.js';
import type { MetricFamily } from './types.js';

/** A problem and the collector it failed. */
export type CollectorProblem = Problem & { readonly collector: string };

/** What one collector contributed to a scrape. */
export interface CollectorOutcome {
  readonly collector: string;
  readonly ok: boolean;
  readonly problems: readonly CollectorProblem[];
  /** The families it derived, before the check (what the trace shows). */
  readonly derived: readonly MetricFamily[];
  readonly skipped: Readonly<Record<string, number>>;
}

/** Everything a daemon's answers yield: checked families, per-collector outcomes, next states. */
export interface Derivation {
  readonly families: readonly MetricFamily[];
  readonly collectorSuccess: Readonly<Record<string, boolean>>;
  /** Every required collector succeeded. */
  readonly up: boolean;
  readonly problems: readonly CollectorProblem[];
  readonly outcomes: readonly CollectorOutcome[];
  readonly states: ReadonlyMap<string, unknown>;
  readonly facts: DaemonFacts;
}

/**
 * Hands each collector its answers (both steps, by name) and checks what it derived against the
 * daemon's other families (`checkFamilies`). A failed call leaves what the collector could still
 * derive; a failed check leaves nothing of that collector. Pure: no I/O, no clock.
 */
export function deriveFamilies(
  collectors: readonly Collector<unknown>[],
  states: ReadonlyMap<string, unknown>,
  answers: ReadonlyMap<string, Answers>,
  ctx: CollectorContext,
): Derivation {
  const families: MetricFamily[] = [];
  const collectorSuccess: Record<string, boolean> = {};
  const problems: CollectorProblem[] = [];
  const outcomes: CollectorOutcome[] = [];
  const nextStates = new Map<string, unknown>();
  const taken = new Set<string>();
  let facts: DaemonFacts = {};
  let up = true;
  for (const collector of collectors) {
    const state = states.has(collector.name) ? states.get(collector.name) : collector.initialState;
    const collected = collector.collect(answers.get(collector.name) ?? new Map(), ctx, state);
    nextStates.set(collector.name, collected.state);
    const own: CollectorProblem[] = collected.problems.map((problem) => ({ ...problem, collector: collector.name }));
    let checked: MetricFamily[] = [];
    try {
      checked = checkFamilies(collected.families, taken);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      own.push({ collector: collector.name, error: err, message: err.message });
    }
    const ok = own.length === 0;
    collectorSuccess[collector.name] = ok;
    if (!ok && collector.required) up = false;
    for (const family of checked) {
      taken.add(family.name);
      families.push(family);
    }
    problems.push(...own);
    outcomes.push({
      collector: collector.name,
      ok,
      problems: own,
      derived: collected.families,
      skipped: collected.skipped ?? {},
    });
    facts = { ...facts, ...collected.facts };
  }
  return { families, collectorSuccess, up, problems, outcomes, states: nextStates, facts };
}
