import { Counter, Gauge, Registry } from 'prom-client';
import { mergeFamilies } from './families.js';
import type { MetricFamily } from './types.js';

/**
 * Registers `families` as prom-client metrics in `registry` (a fresh one per scrape by default).
 * Families of the same name (one per daemon) are merged; families without samples are left out, so
 * no unlabelled metric shows a false 0. Counter samples that are negative or not finite are skipped
 * (Deluge values are absolute totals, set through `inc` on a fresh counter).
 * Throws FamilyConflictError when two families share a name but not their type or label names.
 */
export function familiesToRegistry(families: readonly MetricFamily[], registry: Registry = new Registry()): Registry {
  for (const family of mergeFamilies(families)) {
    if (family.samples.length === 0) continue;
    const options = { name: family.name, help: family.help, labelNames: family.labelNames, registers: [registry] };
    if (family.type === 'counter') {
      const counter = new Counter(options);
      for (const sample of family.samples) {
        if (Number.isFinite(sample.value) && sample.value >= 0) counter.inc(sample.labels, sample.value);
      }
    } else {
      const gauge = new Gauge(options);
      for (const sample of family.samples) gauge.set(sample.labels, sample.value);
    }
  }
  return registry;
}

/** The Prometheus text exposition of `families`. */
export function renderFamilies(families: readonly MetricFamily[]): Promise<string> {
  return familiesToRegistry(families).metrics();
}
