import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { normalizeFingerprint } from '../../../src/rpc/tls.js';
import { configFromYaml } from '../../support/config.js';

const hex = 'ab'.repeat(32);
const candidates = [
  hex,
  hex.toUpperCase(),
  hex.match(/../g)?.join(':') ?? '',
  `${hex.slice(0, 10)}:${hex.slice(10)}`,
  `:${hex}`,
  hex.slice(0, 62),
  `${hex}ab`,
  `${hex.slice(0, 62)}zz`,
  'not a fingerprint',
];

function configAccepts(value: string): boolean {
  try {
    configFromYaml(`daemons: [{ username: u, password: p, tls: { fingerprint_sha256: "${value}" } }]`);
    return true;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return false;
  }
}

function clientAccepts(value: string): boolean {
  try {
    normalizeFingerprint(value);
    return true;
  } catch {
    return false;
  }
}

describe('tls.fingerprint_sha256', () => {
  it('is accepted by the config exactly when the RPC client accepts the pin', () => {
    for (const value of candidates) expect([value, configAccepts(value)]).toEqual([value, clientAccepts(value)]);
    expect(candidates.filter(configAccepts).length).toBeGreaterThan(2);
    expect(candidates.filter((value) => !configAccepts(value)).length).toBeGreaterThan(2);
  });
});
