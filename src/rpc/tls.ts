/**
 * TLS settings for a Deluge daemon: its certificate is self-signed (CN "Deluge Daemon"), so by default
 * nothing is verified; a CA (or the daemon's own certificate) and/or a SHA-256 pin can be configured.
 */
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { DelugeCertificatePinError } from './errors.js';
import type { DelugeTlsOptions } from './types.js';

/** A configured certificate pin is not a SHA-256 fingerprint. Thrown at configuration time. */
export class InvalidFingerprintError extends Error {
  override readonly name = 'InvalidFingerprintError';
  readonly code = 'DELUGE_ERR_INVALID_FINGERPRINT';
}

/**
 * Normalises a SHA-256 fingerprint to Node's `fingerprint256` form (upper-case, colon-separated).
 * Accepts any case, with or without colons.
 * @throws InvalidFingerprintError when the value is not 64 hex digits.
 */
export function normalizeFingerprint(fingerprint: string): string {
  const hex = fingerprint.trim().replaceAll(':', '').toUpperCase();
  if (!/^[0-9A-F]{64}$/.test(hex)) {
    throw new InvalidFingerprintError(
      `tls fingerprint_sha256 "${fingerprint}" is not a SHA-256 fingerprint (64 hex digits, colons optional)`,
    );
  }
  return hex.match(/../g)?.join(':') ?? hex;
}

/** TLS settings checked once and ready to use for every connection. */
export interface ResolvedTls {
  /** Options for `tls.connect`, without host and port. */
  readonly connectOptions: ConnectionOptions;
  /** Normalised pin, checked after the handshake; undefined when not pinning. */
  readonly pinnedFingerprint: string | undefined;
}

/**
 * Turns user TLS options into `tls.connect` options: TLS ≥ 1.2; no verification by default; with
 * `ca`, chain verification without a host-name check (the daemon's CN never matches its host).
 * @throws InvalidFingerprintError for a malformed pin.
 */
export function resolveTls(options: DelugeTlsOptions | undefined): ResolvedTls {
  const pinnedFingerprint =
    options?.fingerprintSha256 === undefined ? undefined : normalizeFingerprint(options.fingerprintSha256);
  const connectOptions: ConnectionOptions =
    options?.ca === undefined
      ? { minVersion: 'TLSv1.2', rejectUnauthorized: false }
      : { minVersion: 'TLSv1.2', rejectUnauthorized: true, ca: options.ca, checkServerIdentity: () => undefined };
  return { connectOptions, pinnedFingerprint };
}

/**
 * Compares the peer certificate of a connected socket with the pin.
 * @returns the error to fail the connection with, or undefined when it matches.
 */
export function checkPinnedCertificate(
  socket: TLSSocket,
  pinnedFingerprint: string,
): DelugeCertificatePinError | undefined {
  const actual = socket.getPeerCertificate().fingerprint256 ?? '';
  return actual.toUpperCase() === pinnedFingerprint
    ? undefined
    : new DelugeCertificatePinError(pinnedFingerprint, actual || '(no certificate)');
}
