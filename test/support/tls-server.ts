/**
 * A tiny in-process TLS server speaking DelugeRPC 2.x framing, for unit tests of the client.
 * A throwaway self-signed certificate (CN "Deluge Daemon") is generated once per process with openssl.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type TLSSocket } from 'node:tls';
import { encodeFrame, FrameDecoder } from '../../src/rpc/framing.js';
import type { RencodeInput, RencodeValue } from '../../src/rpc/rencode.js';

/** PEM certificate and key of the test daemon, plus its SHA-256 fingerprint as Node prints it. */
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

/** Generates a fresh self-signed EC certificate with CN "Deluge Daemon". */
export function generateCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'deluge-test-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-days',
        '2',
        '-subj',
        '/CN=Deluge Daemon',
      ],
      { stdio: 'ignore' },
    );
    const cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
    const key = readFileSync(join(dir, 'key.pem'), 'utf8');
    return { cert, key, fingerprint256: new X509Certificate(cert).fingerprint256 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One accepted client connection, seen from the server. */
export interface ServerSession {
  readonly socket: TLSSocket;
  /** Sends one framed message. */
  send(payload: RencodeInput): void;
  /** Writes raw bytes (for malformed-frame tests). */
  sendRaw(bytes: Buffer): void;
}

/** A decoded request `[id, method, args, kwargs]` from a request list. */
export interface ServerRequest {
  readonly id: number;
  readonly method: string;
  readonly args: readonly RencodeValue[];
  readonly kwargs: Readonly<Record<string, RencodeValue>>;
}

export interface TestTlsServer {
  readonly port: number;
  /** Every session accepted so far, in order. */
  readonly sessions: ServerSession[];
  /** Every request message received, as the list of requests it carried, in order. */
  readonly messages: ServerRequest[][];
  close(): Promise<void>;
}

/** Called for every request message (a list of requests) a client sends. */
export type MessageHandler = (session: ServerSession, requests: ServerRequest[]) => void;

/** Starts a TLS server on 127.0.0.1 with an ephemeral port. */
export async function startTlsServer(onMessage: MessageHandler): Promise<TestTlsServer> {
  const { cert, key } = testCertificate();
  const sessions: ServerSession[] = [];
  const messages: ServerRequest[][] = [];
  const server = createServer({ cert, key, minVersion: 'TLSv1.2' }, (socket) => {
    socket.on('error', () => undefined);
    const session: ServerSession = {
      socket,
      send: (payload) => {
        if (!socket.destroyed) socket.write(encodeFrame(payload));
      },
      sendRaw: (bytes) => {
        if (!socket.destroyed) socket.write(bytes);
      },
    };
    sessions.push(session);
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      for (const payload of decoder.push(chunk)) {
        const requests = (payload as RencodeValue[][]).map(([id, method, args, kwargs]) => ({
          id: id as number,
          method: method as string,
          args: args as RencodeValue[],
          kwargs: kwargs as Record<string, RencodeValue>,
        }));
        messages.push(requests);
        onMessage(session, requests);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    sessions,
    messages,
    close: async () => {
      for (const session of sessions) session.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Deluge's RPC_ERROR message for `exceptionType(*args)`. */
export function rpcError(id: number, exceptionType: string, args: readonly RencodeInput[]): RencodeInput {
  return [2, id, exceptionType, args, {}, `Traceback (most recent call last):\n  ...\n${exceptionType}\n`];
}

/** Options of {@link startFakeDaemon}. */
export interface FakeDaemonOptions {
  readonly username?: string;
  readonly password?: string;
  readonly authLevel?: number;
  readonly version?: string;
  /**
   * Answers a request after the handshake methods; return undefined to stay silent.
   * Default: no answer.
   */
  readonly handle?: (request: ServerRequest, session: ServerSession) => RencodeInput | undefined;
}

/** A TLS server that answers the handshake like deluged 2.0.3 and counts logins. */
export interface FakeDaemon extends TestTlsServer {
  readonly loginAttempts: () => number;
}

/** Starts a server answering `daemon.info`, `daemon.login` and `daemon.set_event_interest` like Deluge. */
export async function startFakeDaemon(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const { username = 'alice', password = 'secret', authLevel = 5, version = '2.0.3', handle } = options;
  let logins = 0;
  const server = await startTlsServer((session, requests) => {
    for (const request of requests) {
      const reply = answer(request, session);
      if (reply !== undefined) session.send(reply);
    }
  });
  function answer(request: ServerRequest, session: ServerSession): RencodeInput | undefined {
    switch (request.method) {
      case 'daemon.info':
        return [1, request.id, version];
      case 'daemon.login': {
        logins += 1;
        const [user, pass] = request.args;
        if (user !== username) return rpcError(request.id, 'BadLoginError', ['Username does not exist', String(user)]);
        if (pass !== password) return rpcError(request.id, 'BadLoginError', ['Password does not match', String(user)]);
        return [1, request.id, authLevel];
      }
      case 'daemon.set_event_interest':
        return [1, request.id, true];
      default:
        return handle?.(request, session);
    }
  }
  return Object.assign(server, { loginAttempts: () => logins });
}
