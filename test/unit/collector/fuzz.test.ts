/** The short variant of `npm run fuzz` for the collector target: 1,000 cases, a fresh seed per run. */
import { describe, it } from 'vitest';
import { collectorFuzzTargets } from '../../fuzz/collector-targets.js';

const SHORT_RUN_CASES = 1000;

describe('fuzzing the derivation from decoded answers to families (short run)', () => {
  for (const target of collectorFuzzTargets) {
    it(`${target.name}: ${target.description}`, () => {
      target.run(SHORT_RUN_CASES, Date.now() % 2 ** 31);
    }, 120_000);
  }
});
