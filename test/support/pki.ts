/**
 * A throwaway PKI made with openssl: a CA, a server certificate for 127.0.0.1 / localhost and client
 * certificates, all signed by that CA, written as PEM files into one directory.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NEW_EC_KEY } from './certificate.js';

/** Paths and contents of one certificate and its key. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

/** A CA with a server certificate and a client certificate it signed. */
export interface TestPki {
  readonly dir: string;
  readonly ca: CertificateFiles;
  readonly server: CertificateFiles;
  readonly client: CertificateFiles;
}

const openssl = (args: readonly string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function files(dir: string, name: string): CertificateFiles {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8') };
}

/** A self-signed CA named `cn`, in `dir`. */
export function createCa(dir: string, name: string, cn: string): CertificateFiles {
  openssl([
    'req',
    '-x509',
    ...NEW_EC_KEY,
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    join(dir, `${name}.crt`),
    '-days',
    '2',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files(dir, name);
}

/** A leaf certificate `name` signed by `ca`, with the given extended key usage and subject alternative names. */
export function issueCertificate(
  dir: string,
  ca: CertificateFiles,
  name: string,
  usage: 'serverAuth' | 'clientAuth',
  subjectAltNames: string,
): CertificateFiles {
  const csr = join(dir, `${name}.csr`);
  const extensions = join(dir, `${name}.ext`);
  writeFileSync(
    extensions,
    `basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=${usage}\nsubjectAltName=${subjectAltNames}\n`,
  );
  openssl(['req', '-new', ...NEW_EC_KEY, '-keyout', join(dir, `${name}.key`), '-out', csr, '-subj', `/CN=${name}`]);
  openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-days',
    '2',
    '-out',
    join(dir, `${name}.crt`),
    '-extfile',
    extensions,
  ]);
  return files(dir, name);
}

/** A fresh CA, server certificate (127.0.0.1, localhost) and client certificate in a new temp directory. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-exporter-pki-'));
  const ca = createCa(dir, 'ca', 'deluge-exporter test CA');
  return {
    dir,
    ca,
    server: issueCertificate(dir, ca, 'server', 'serverAuth', 'IP:127.0.0.1,DNS:localhost'),
    client: issueCertificate(dir, ca, 'client', 'clientAuth', 'DNS:prometheus'),
  };
}
