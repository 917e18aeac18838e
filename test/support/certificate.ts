/**
 * The throwaway self-signed TLS certificate (CN "Deluge Daemon", like deluged's own) that every test server
 * uses, generated with openssl.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** openssl arguments for a new, unencrypted P-256 key (`req -newkey`). */
export const NEW_EC_KEY: readonly string[] = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** PEM certificate and key of a test daemon, plus its SHA-256 fingerprint as Node prints it. */
export interface TestCertificate {
  readonly cert: string;
  readonly key: string;
  readonly fingerprint256: string;
}

let certificate: TestCertificate | undefined;

/** The certificate every test server uses, generated once per process. */
export function testCertificate(): TestCertificate {
  certificate ??= generateCertificate();
  return certificate;
}

/** Generates a fresh self-signed EC certificate with CN "Deluge Daemon" (e.g. as a pin that must not match). */
export function generateCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-test-cert-'));
  try {
    const keyPath = join(dir, 'key.pem');
    const certPath = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', ...NEW_EC_KEY, '-keyout', keyPath, '-out', certPath, '-days', '2', '-subj', '/CN=Deluge Daemon'],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(certPath, 'utf8');
    const key = readFileSync(keyPath, 'utf8');
    return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
