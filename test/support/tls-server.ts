/**
 * A raw in-process TLS server speaking DelugeRPC 2.x framing, for connection-level tests where the test
 * scripts every reply (including malformed or missing ones). For a daemon that answers like deluged,
 * use `startFakeDaemon` from `fake-daemon.ts`.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type TLSSocket } from 'node:tls';
import { RPC_ERROR } from '../../src/rpc/connection.js';
import { encodeFrame, FrameDecoder } from '../../src/rpc/framing.js';
import type { RencodeInput, RencodeValue } from '../../src/rpc/rencode.js';
import { testCertificate } from './certificate.js';

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
  return [RPC_ERROR, id, exceptionType, args, {}, `Traceback (most recent call last):\n  ...\n${exceptionType}\n`];
}
