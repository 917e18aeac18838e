import type { MetricFamily, Sample } from './types.js';

/** Error thrown when two families with one name disagree on type or label names. */
export class FamilyConflictError extends Error {
  override readonly name = 'FamilyConflictError';
  readonly code = 'DELUGE_EXPORTER_FAMILY_CONFLICT';
  constructor(readonly familyName: string) {
    super(`metric family ${familyName} is defined twice with different type or label names`);
  }
}

/**
 * Merges families of the same name (one per daemon) into one family with all samples, keeping the
 * first-seen order of names. Throws FamilyConflictError when their type or label names differ.
 */
export function mergeFamilies(families: readonly MetricFamily[]): MetricFamily[] {
  const byName = new Map<string, { first: MetricFamily; samples: Sample[] }>();
  for (const current of families) {
    const entry = byName.get(current.name);
    if (entry === undefined) {
      byName.set(current.name, { first: current, samples: [...current.samples] });
      continue;
    }
    if (entry.first.type !== current.type || !sameLabelNames(entry.first.labelNames, current.labelNames)) {
      throw new FamilyConflictError(current.name);
    }
    for (const sample of current.samples) entry.samples.push(sample);
  }
  return [...byName.values()].map(({ first, samples }) => ({ ...first, samples }));
}

function sameLabelNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name, index) => name === b[index]);
}
