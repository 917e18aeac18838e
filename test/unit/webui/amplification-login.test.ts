/**
 * Amplification answers to the Web UI client's login (test/support/webui-amplification.ts): every
 * attack is refused with a WebUiLimitError, the peak RSS grows by less than the RPC client's bound
 * before login (docs/reliability.md), and a client of another Web UI keeps working throughout.
 */
import { expect } from 'vitest';
import { ATTACKS, amplificationPhaseTest, RSS_BOUND_BEFORE_LOGIN_MIB } from '../../support/webui-amplification.js';

amplificationPhaseTest('to the login', RSS_BOUND_BEFORE_LOGIN_MIB, (outcomes) => {
  expect(outcomes).toEqual(ATTACKS.map((attack) => expect.stringMatching(new RegExp(`^${attack.label}: refused: `))));
});
