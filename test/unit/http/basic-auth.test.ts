import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { Secret } from '../../../src/config/secret.js';
import { BasicAuthenticator, parseBasicAuthorization } from '../../../src/http/basic-auth.js';
import { clientCertificateAcceptable } from '../../../src/http/http-server.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE_HASH = bcrypt.hashSync('correct horse', 6);

/** An authenticator over bcryptjs that records which hash each comparison used. */
function counted() {
  const compared: string[] = [];
  const authenticator = new BasicAuthenticator(new Map([['alice', new Secret(ALICE_HASH)]]), (password, hash) => {
    compared.push(hash);
    return bcrypt.compare(password, hash);
  });
  return { authenticator, compared };
}

describe('parseBasicAuthorization', () => {
  it('splits at the first colon; anything else is no credentials', () => {
    expect(parseBasicAuthorization(basic('alice', 'a:b'))).toEqual({ user: 'alice', password: 'a:b' });
    expect(parseBasicAuthorization(`basic ${Buffer.from('u:').toString('base64')}`)).toEqual({
      user: 'u',
      password: '',
    });
    for (const header of [
      undefined,
      '',
      'Bearer x',
      'Basic',
      'Basic !!!',
      `Basic ${Buffer.from('nocolon').toString('base64')}`,
    ]) {
      expect(parseBasicAuthorization(header)).toBeUndefined();
    }
  });
});

describe('BasicAuthenticator', () => {
  it('accepts the right password and refuses a wrong one or none', async () => {
    const { authenticator } = counted();
    expect(authenticator.enabled).toBe(true);
    expect(await authenticator.check(basic('alice', 'correct horse'))).toBe(true);
    expect(await authenticator.check(basic('alice', 'wrong'))).toBe(false);
    expect(await authenticator.check(undefined)).toBe(false);
  });

  it('an unknown user costs a bcrypt comparison with a hash of the same cost', async () => {
    const { authenticator, compared } = counted();
    expect(await authenticator.check(basic('mallory', 'correct horse'))).toBe(false);
    expect(compared).toHaveLength(1);
    expect(compared[0]).not.toBe(ALICE_HASH);
    expect(bcrypt.getRounds(compared[0] ?? '')).toBe(6);
  });

  it('remembers a verified password: the next check compares nothing; a changed one compares again', async () => {
    const { authenticator, compared } = counted();
    expect(await authenticator.check(basic('alice', 'correct horse'))).toBe(true);
    expect(await authenticator.check(basic('alice', 'correct horse'))).toBe(true);
    expect(compared).toEqual([ALICE_HASH]);
    expect(await authenticator.check(basic('alice', 'correct horse!'))).toBe(false);
    expect(compared).toEqual([ALICE_HASH, ALICE_HASH]);
  });

  it('without users it is disabled', () => {
    expect(new BasicAuthenticator(new Map()).enabled).toBe(false);
  });
});

describe('clientCertificateAcceptable', () => {
  it('follows Go tls.ClientAuthType after Node has done its own check', () => {
    expect(clientCertificateAcceptable('RequireAnyClientCert', false, false)).toBe(false);
    expect(clientCertificateAcceptable('RequireAnyClientCert', true, false)).toBe(true);
    expect(clientCertificateAcceptable('VerifyClientCertIfGiven', false, false)).toBe(true);
    expect(clientCertificateAcceptable('VerifyClientCertIfGiven', true, false)).toBe(false);
    expect(clientCertificateAcceptable('VerifyClientCertIfGiven', true, true)).toBe(true);
    expect(clientCertificateAcceptable('RequestClientCert', true, false)).toBe(true);
  });
});
