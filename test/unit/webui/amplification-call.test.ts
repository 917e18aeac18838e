/**
 * Amplification answers to a Web UI client's call after its login (test/support/webui-amplification.ts):
 * each is refused with a WebUiLimitError naming the limit or decoded within the budget, the peak RSS
 * grows by less than the RPC client's bound after login (docs/reliability.md), the client keeps
 * working, and a client of another Web UI keeps working throughout.
 */
import { expect } from 'vitest';
import { amplificationPhaseTest, RSS_BOUND_AFTER_LOGIN_MIB } from '../../support/webui-amplification.js';

amplificationPhaseTest('to a call after login', RSS_BOUND_AFTER_LOGIN_MIB, (outcomes) => {
  expect(outcomes).toEqual([
    'empty lists, 2000000 bytes: refused: maxContainers',
    'empty lists, 134217728 bytes gzip: refused: maxInflateRatio',
    'empty dicts, 2000000 bytes: refused: maxContainers',
    'empty dicts, 134217728 bytes gzip: refused: maxInflateRatio',
    'tiny strings, 2000000 bytes: decoded 500001 items',
    'tiny strings, 134217728 bytes gzip: refused: maxInflateRatio',
    'deep nesting, 2000000 bytes: refused: maxDepth',
    'deep nesting, 134217728 bytes gzip: refused: maxInflateRatio',
    'tiny strings, 300 MiB plain: refused: maxWireBytes',
  ]);
});
