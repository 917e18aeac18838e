import { createServer as createHttpServer, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { ClientAuthType, WebTlsConfig } from './web-config.js';

/**
 * Time limits that keep slow or idle clients from holding sockets: the request head must arrive within
 * `headersMs`, the whole request within `requestMs`, an idle keep-alive connection is closed after
 * `keepAliveMs`, a TLS handshake must finish within `handshakeMs`, and a socket with no traffic at all
 * is closed after `idleSocketMs` (longer than any scrape deadline).
 */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 30_000,
  handshakeMs: 10_000,
  idleSocketMs: 120_000,
};

export interface ServerTimeouts {
  readonly headersMs: number;
  readonly requestMs: number;
  readonly keepAliveMs: number;
  readonly handshakeMs: number;
  readonly idleSocketMs: number;
}

/** How often Node checks the header and request deadlines (its default, 30 s, would let them slip). */
const DEADLINE_CHECK_MS = 1_000;

/** Node's `requestCert` / `rejectUnauthorized` for each client auth type; the rest is checked per connection. */
const CLIENT_AUTH: Readonly<Record<ClientAuthType, { requestCert: boolean; rejectUnauthorized: boolean }>> = {
  NoClientCert: { requestCert: false, rejectUnauthorized: false },
  RequestClientCert: { requestCert: true, rejectUnauthorized: false },
  RequireAnyClientCert: { requestCert: true, rejectUnauthorized: false },
  VerifyClientCertIfGiven: { requestCert: true, rejectUnauthorized: false },
  RequireAndVerifyClientCert: { requestCert: true, rejectUnauthorized: true },
};

/** Whether a connection's client certificate satisfies `type` (after Node's own checks). */
export function clientCertificateAcceptable(type: ClientAuthType, presented: boolean, verified: boolean): boolean {
  if (type === 'RequireAnyClientCert') return presented;
  if (type === 'VerifyClientCertIfGiven') return !presented || verified;
  return true;
}

/** An HTTP server, or an HTTPS one when `tls` is given, with {@link SERVER_TIMEOUTS} applied. */
export function createWebServer(
  handler: RequestListener,
  tls?: WebTlsConfig,
  timeouts: ServerTimeouts = SERVER_TIMEOUTS,
): Server {
  const httpOptions = {
    headersTimeout: timeouts.headersMs,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionsCheckingInterval: DEADLINE_CHECK_MS,
  };
  const server =
    tls === undefined ? createHttpServer(httpOptions, handler) : createTlsServer(handler, tls, httpOptions, timeouts);
  server.setTimeout(timeouts.idleSocketMs, (socket) => socket.destroy());
  return server;
}

function createTlsServer(
  handler: RequestListener,
  tls: WebTlsConfig,
  httpOptions: Record<string, number>,
  timeouts: ServerTimeouts,
): Server {
  const server = createHttpsServer(
    {
      ...httpOptions,
      cert: tls.certPem,
      key: tls.keyPem.reveal(),
      ...(tls.clientCaPem === undefined ? {} : { ca: tls.clientCaPem }),
      ...CLIENT_AUTH[tls.clientAuthType],
      minVersion: tls.minVersion,
      maxVersion: tls.maxVersion,
      handshakeTimeout: timeouts.handshakeMs,
    },
    handler,
  );
  server.on('secureConnection', (socket: TLSSocket) => {
    const presented = Object.keys(socket.getPeerCertificate()).length > 0;
    if (!clientCertificateAcceptable(tls.clientAuthType, presented, socket.authorized)) socket.destroy();
  });
  return server;
}
