import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DelugeConnection } from '../../../src/rpc/connection.js';
import { DelugeCertificatePinError, DelugeConnectionError } from '../../../src/rpc/errors.js';
import { resolveFrameLimits } from '../../../src/rpc/framing.js';
import { InvalidFingerprintError, normalizeFingerprint, resolveTls } from '../../../src/rpc/tls.js';
import type { DelugeTlsOptions } from '../../../src/rpc/types.js';
import { generateCertificate, testCertificate } from '../../support/certificate.js';
import { startTlsServer, type TestTlsServer } from '../../support/tls-server.js';

let server: TestTlsServer;
beforeAll(async () => {
  server = await startTlsServer((session, requests) => {
    for (const { id } of requests) session.send([1, id, '2.0.3']);
  });
});
afterAll(async () => {
  await server.close();
});

async function openWith(tls: DelugeTlsOptions): Promise<DelugeConnection> {
  return DelugeConnection.open({
    host: '127.0.0.1',
    port: server.port,
    tls: resolveTls(tls),
    limits: resolveFrameLimits(),
  });
}

async function openError(tls: DelugeTlsOptions): Promise<Error> {
  return openWith(tls).then(
    (connection) => {
      connection.close();
      throw new Error('expected the connection to fail');
    },
    (error: unknown) => error as Error,
  );
}

async function roundTrip(connection: DelugeConnection): Promise<unknown> {
  try {
    return await connection.send([{ method: 'daemon.info', args: [] }]).replies[0];
  } finally {
    connection.close();
  }
}

describe('normalizeFingerprint', () => {
  it('accepts any case, with or without colons, and returns Node’s fingerprint256 form', () => {
    const { fingerprint256 } = testCertificate();
    const bare = fingerprint256.replaceAll(':', '').toLowerCase();
    expect(normalizeFingerprint(bare)).toBe(fingerprint256);
    expect(normalizeFingerprint(` ${fingerprint256.toLowerCase()} `)).toBe(fingerprint256);
  });

  it('rejects a value that is not 64 hex digits, naming it', () => {
    expect(() => normalizeFingerprint('AB:CD')).toThrow(InvalidFingerprintError);
    expect(() => normalizeFingerprint('zz'.repeat(32))).toThrow(`"${'zz'.repeat(32)}" is not a SHA-256 fingerprint`);
  });
});

describe('resolveTls', () => {
  it('accepts any certificate by default, with TLS 1.2 as the floor', () => {
    expect(resolveTls(undefined)).toEqual({
      connectOptions: { minVersion: 'TLSv1.2', rejectUnauthorized: false },
      pinnedFingerprint: undefined,
    });
  });

  it('verifies against a CA without checking the host name', () => {
    const { connectOptions } = resolveTls({ ca: 'PEM' });
    expect(connectOptions.rejectUnauthorized).toBe(true);
    expect(connectOptions.checkServerIdentity?.('127.0.0.1', {} as never)).toBeUndefined();
  });
});

describe('TLS against a server with a self-signed certificate', () => {
  it('connects without verification by default', async () => {
    expect(await roundTrip(await openWith({}))).toEqual({ ok: true, value: '2.0.3' });
  });

  it('connects when the pin matches', async () => {
    const pin = testCertificate().fingerprint256.replaceAll(':', '').toLowerCase();
    expect(await roundTrip(await openWith({ fingerprintSha256: pin }))).toEqual({ ok: true, value: '2.0.3' });
  });

  it('fails with DelugeCertificatePinError when the pin does not match', async () => {
    const wrong = generateCertificate().fingerprint256;
    const error = await openError({ fingerprintSha256: wrong });
    expect(error).toBeInstanceOf(DelugeCertificatePinError);
    expect((error as DelugeCertificatePinError).expected).toBe(wrong);
    expect((error as DelugeCertificatePinError).actual).toBe(testCertificate().fingerprint256);
  });

  it('connects when the daemon certificate is given as CA, although its CN is not the host', async () => {
    expect(await roundTrip(await openWith({ ca: testCertificate().cert }))).toEqual({ ok: true, value: '2.0.3' });
  });

  it('fails with DelugeConnectionError when the certificate is not signed by the CA', async () => {
    const error = await openError({ ca: generateCertificate().cert });
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
  });
});
