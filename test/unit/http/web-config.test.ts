import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { loadWebConfig } from '../../../src/http/web-config.js';
import { createTestPki } from '../../support/pki.js';

const pki = createTestPki();
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

const HASH = bcrypt.hashSync('right horse', 4);
const read = (path: string) => readFileSync(path, 'utf8');

function load(yaml: string) {
  const path = join(pki.dir, 'web.yml');
  writeFileSync(path, yaml);
  return loadWebConfig(path, read);
}

function errorOf(yaml: string): ConfigError {
  try {
    load(yaml);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const tls = (extra = '') => `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n${extra}`;

describe('loadWebConfig', () => {
  it('reads TLS (paths relative to the file), users and headers', () => {
    const config = load(
      `${tls('  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n  min_version: TLS13\n')}` +
        `http_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n` +
        `basic_auth_users:\n  alice: ${HASH}\n`,
    );
    expect(config.tls?.certPem).toBe(pki.server.cert);
    expect(config.tls?.keyPem.reveal()).toBe(pki.server.key);
    expect(String(config.tls?.keyPem)).toBe('[REDACTED]');
    expect(config.tls?.clientCaPem).toBe(pki.ca.cert);
    expect([config.tls?.clientAuthType, config.tls?.minVersion, config.tls?.maxVersion]).toEqual([
      'RequireAndVerifyClientCert',
      'TLSv1.3',
      'TLSv1.3',
    ]);
    expect(config.headers).toEqual({ 'X-Frame-Options': 'deny' });
    expect(config.basicAuthUsers.get('alice')?.reveal()).toBe(HASH);
  });

  it('an empty file means plain HTTP without authentication', () => {
    expect(load('')).toEqual({ basicAuthUsers: new Map(), headers: {} });
  });

  it('defaults: NoClientCert, TLS12 to TLS13', () => {
    const config = load(tls());
    expect([config.tls?.clientAuthType, config.tls?.minVersion, config.tls?.maxVersion]).toEqual([
      'NoClientCert',
      'TLSv1.2',
      'TLSv1.3',
    ]);
  });

  const bad: [string, string, string][] = [
    ['unknown top key', 'tls_config: {}\n', 'tls_config: unknown key'],
    ['unknown TLS key', tls('  certfile: x\n'), 'tls_server_config.certfile: unknown key'],
    ['missing key_file', 'tls_server_config:\n  cert_file: server.crt\n', 'tls_server_config.key_file: required'],
    [
      'cert file missing',
      tls().replace('server.crt', 'nope.crt'),
      `tls_server_config.cert_file: cannot read ${pki.dir}/nope.crt (ENOENT)`,
    ],
    [
      'key of another certificate',
      tls().replace('server.key', 'client.key'),
      'tls_server_config.key_file: certificate and key do not load together (key values mismatch)',
    ],
    [
      'bad client_auth_type',
      tls('  client_auth_type: Always\n'),
      'tls_server_config.client_auth_type: expected one of NoClientCert, RequestClientCert, RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert, got "Always"',
    ],
    [
      'CA without client auth',
      tls('  client_ca_file: ca.crt\n'),
      'tls_server_config.client_auth_type: client_ca_file is set but client_auth_type is NoClientCert',
    ],
    [
      'verifying without CA',
      tls('  client_auth_type: RequireAndVerifyClientCert\n'),
      'tls_server_config.client_ca_file: required with client_auth_type RequireAndVerifyClientCert',
    ],
    [
      'bad min_version',
      tls('  min_version: TLS14\n'),
      'tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got "TLS14"',
    ],
    [
      'min above max',
      tls('  min_version: TLS13\n  max_version: TLS12\n'),
      'tls_server_config.min_version: TLS13 is above max_version TLS12',
    ],
    ['inline key', tls('  key: abc\n'), 'tls_server_config.key: inline keys are not supported; use key_file'],
    [
      'rate_limit',
      'rate_limit:\n  burst: 2\n',
      'rate_limit: not supported; put a reverse proxy in front for rate limiting',
    ],
    [
      'header not allowed',
      'http_server_config:\n  headers:\n    Set-Cookie: a=b\n',
      'http_server_config.headers.Set-Cookie: header not allowed; allowed: Content-Security-Policy, X-Frame-Options, X-Content-Type-Options, X-XSS-Protection, Strict-Transport-Security',
    ],
    [
      'plain password instead of a hash',
      'basic_auth_users:\n  alice: hunter2\n',
      'basic_auth_users.alice: expected a bcrypt hash ($2a$, $2b$ or $2y$; value not shown)',
    ],
    [
      'YAML syntax',
      'basic_auth_users:\n  alice: |hunter2\n',
      'basic_auth_users: invalid YAML at line 2, column 11: unexpected characters',
    ],
  ];
  it.each(bad)('%s: start-up error naming the key', (_name, yaml, expected) => {
    const error = errorOf(yaml);
    expect(error.message.startsWith(`${join(pki.dir, 'web.yml')}: ${expected}`)).toBe(true);
    expect(error.message).not.toContain('hunter2');
  });

  it('a CA file that is not PEM is named', () => {
    writeFileSync(join(pki.dir, 'junk.pem'), 'not a certificate');
    const error = errorOf(tls('  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: junk.pem\n'));
    expect(error.keyPath).toBe('tls_server_config.client_ca_file');
  });
});
