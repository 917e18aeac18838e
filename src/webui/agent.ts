/**
 * The keep-alive connection pools of a Web UI client. Over https the RPC client's TLS semantics hold
 * where they exist: `ca` verifies the chain without the host name (deluge-web's own `--ssl`
 * certificate is self-signed and names no host), `fingerprintSha256` pins the certificate (checked on
 * every new connection). With neither, an https Web UI is verified like any web site (system CAs and
 * host name): it usually sits behind a proxy with a public certificate, and a password goes over it.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { TLSSocket } from 'node:tls';
import { normalizeFingerprint } from '../rpc/tls.js';
import { WebUiCertificatePinError } from './errors.js';

export interface WebUiTlsOptions {
  /** PEM CA (or deluge-web's own certificate) to verify against. Host name is not checked. */
  readonly ca?: string | Buffer;
  /** SHA-256 fingerprint of the Web UI's certificate, hex, colons optional, any case. */
  readonly fingerprintSha256?: string;
}

/** Idle keep-alive sockets are closed after this long (deluge-web keeps them open far longer). */
const FREE_SOCKET_TIMEOUT_MS = 30_000;

/** An https agent that fails every new connection whose certificate does not match the pin. */
class PinnedAgent extends HttpsAgent {
  constructor(
    options: ConstructorParameters<typeof HttpsAgent>[0],
    private readonly pinned: string,
  ) {
    super(options);
  }

  override createConnection(
    options: RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const socket = super.createConnection(options, callback);
    if (socket instanceof TLSSocket) {
      socket.once('secureConnect', () => {
        const actual = socket.getPeerCertificate().fingerprint256 ?? '';
        if (actual.toUpperCase() !== this.pinned) {
          socket.destroy(new WebUiCertificatePinError(this.pinned, actual || '(no certificate)'));
        }
      });
    }
    return socket;
  }
}

/**
 * A keep-alive agent for `url`'s protocol holding at most `maxSockets` connections.
 * @throws InvalidFingerprintError (from the RPC TLS rules) for a malformed pin
 */
export function createAgent(url: URL, maxSockets: number, tls: WebUiTlsOptions | undefined): HttpAgent {
  const pool = { keepAlive: true, maxSockets, maxFreeSockets: maxSockets, timeout: FREE_SOCKET_TIMEOUT_MS };
  if (url.protocol === 'http:') return new HttpAgent(pool);
  const verify =
    tls?.ca !== undefined
      ? { rejectUnauthorized: true, ca: tls.ca, checkServerIdentity: () => undefined }
      : { rejectUnauthorized: tls?.fingerprintSha256 === undefined };
  const options = { ...pool, ...verify, minVersion: 'TLSv1.2' as const };
  if (tls?.fingerprintSha256 === undefined) return new HttpsAgent(options);
  // No resumed sessions: every connection shows its certificate to the pin check.
  return new PinnedAgent({ ...options, maxCachedSessions: 0 }, normalizeFingerprint(tls.fingerprintSha256));
}
