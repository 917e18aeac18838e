/** The short variant of `npm run fuzz` for the RPC targets: 2,000 cases each, a fresh seed per run. */
import { describe, it } from 'vitest';
import { rpcFuzzTargets } from '../../fuzz/rpc-targets.js';

const SHORT_RUN_CASES = 2000;

describe('fuzzing the rpc decoder and frame parser (short run)', () => {
  for (const target of rpcFuzzTargets) {
    it(`${target.name}: ${target.description}`, () => {
      target.run(SHORT_RUN_CASES, Date.now() % 2 ** 31);
    }, 60_000);
  }
});
