import { type Metric, type MetricValue, Registry } from 'prom-client';
import { mergeFamilies } from './families.js';
import type { MetricFamily } from './types.js';

/**
 * A metric family as prom-client's registry sees it. The registry only calls `get()` and formats
 * what it returns, so sample values go straight to the text writer: no Gauge/Counter objects, whose
 * per-sample label validation and hashing cost more than everything else in a 2,000-torrent scrape.
 */
function familyMetric(family: MetricFamily): Metric {
  const values: MetricValue<string>[] = [];
  for (const sample of family.samples) {
    // Deluge values are absolute totals; a negative or non-finite counter would be a lie, so skip it.
    if (family.type === 'counter' && !(Number.isFinite(sample.value) && sample.value >= 0)) continue;
    values.push({ labels: sample.labels, value: sample.value });
  }
  const snapshot = { name: family.name, help: family.help, type: family.type, aggregator: 'sum', values };
  return { ...snapshot, get: () => snapshot } as unknown as Metric;
}

/**
 * Registers `families` in `registry` (a fresh one per scrape by default). Families of the same name
 * (one per daemon) are merged; families without samples are left out, so no unlabelled metric shows
 * a false 0. Throws FamilyConflictError when two families share a name but not type or label names.
 */
export function familiesToRegistry(families: readonly MetricFamily[], registry: Registry = new Registry()): Registry {
  for (const family of mergeFamilies(families)) {
    if (family.samples.length > 0) registry.registerMetric(familyMetric(family));
  }
  return registry;
}

/** The Prometheus text exposition of `families`. */
export function renderFamilies(families: readonly MetricFamily[]): Promise<string> {
  return familiesToRegistry(families).metrics();
}
