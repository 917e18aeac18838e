/** Every fuzz target of `npm run fuzz`; add a module's targets here. */
import { collectorFuzzTargets } from './collector-targets.js';
import { rpcFuzzTargets } from './rpc-targets.js';
import type { FuzzTarget } from './target.js';

export const fuzzTargets: readonly FuzzTarget[] = [...rpcFuzzTargets, ...collectorFuzzTargets];
