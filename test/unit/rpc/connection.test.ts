import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { DelugeConnection, type OpenConnectionOptions } from '../../../src/rpc/connection.js';
import {
  DelugeAuthError,
  DelugeConnectionError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  type DelugeRpcError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from '../../../src/rpc/errors.js';
import { encodeFrame, resolveFrameLimits } from '../../../src/rpc/framing.js';
import type { RencodeInput } from '../../../src/rpc/rencode.js';
import { resolveTls } from '../../../src/rpc/tls.js';
import type { DelugeEvent, Settled } from '../../../src/rpc/types.js';
import { type MessageHandler, rpcError, startTlsServer, type TestTlsServer } from '../../support/tls-server.js';
import { rejectionOf, trackUnhandledRejections } from '../../support/unhandled-rejections.js';

const unhandled = trackUnhandledRejections();

const servers: TestTlsServer[] = [];
const connections: DelugeConnection[] = [];
afterEach(async () => {
  for (const connection of connections.splice(0)) connection.close();
  for (const server of servers.splice(0)) await server.close();
  // Give any stray rejection a turn to surface before checking.
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

async function serve(handler: MessageHandler): Promise<TestTlsServer> {
  const server = await startTlsServer(handler);
  servers.push(server);
  return server;
}

async function open(port: number, extra: Partial<OpenConnectionOptions> = {}): Promise<DelugeConnection> {
  const connection = await DelugeConnection.open({
    host: '127.0.0.1',
    port,
    tls: resolveTls(undefined),
    limits: resolveFrameLimits(),
    ...extra,
  });
  connections.push(connection);
  return connection;
}

/** The error of a failed item; throws (failing the test) for a success. */
function errorOf(result: Settled<unknown> | undefined): Error {
  if (result === undefined || result.ok) throw new Error(`expected a failed item, got ${JSON.stringify(result)}`);
  return result.error;
}

const request = (method: string, ...args: RencodeInput[]) => ({ method, args: args as never[] });

describe('DelugeConnection: replies', () => {
  it('sends a bundle as one message and matches replies given in reverse order', async () => {
    const server = await serve((session, requests) => {
      for (const { id, method } of [...requests].reverse()) session.send([1, id, `answer to ${method}`]);
    });
    const connection = await open(server.port);
    const results = await Promise.all(
      connection.send([request('a.one'), request('a.two'), request('a.three')]).replies,
    );
    expect(results).toEqual([
      { ok: true, value: 'answer to a.one' },
      { ok: true, value: 'answer to a.two' },
      { ok: true, value: 'answer to a.three' },
    ]);
    expect(server.messages).toHaveLength(1);
    expect(server.messages[0]?.map((item) => [item.id, item.method, item.kwargs])).toEqual([
      [0, 'a.one', {}],
      [1, 'a.two', {}],
      [2, 'a.three', {}],
    ]);
  });

  it('delivers events that arrive before the reply of the call that caused them, in order', async () => {
    const server = await serve((session, [added]) => {
      session.send([3, 'TorrentAddedEvent', ['1a8edc645a9d59c3b6f7636be22069a757dc4808', false]]);
      session.send([1, added?.id ?? -1, '1a8edc645a9d59c3b6f7636be22069a757dc4808']);
    });
    const seen: string[] = [];
    const connection = await open(server.port, {
      onEvent: (event: DelugeEvent) => seen.push(`event ${event.name} ${JSON.stringify(event.args)}`),
    });
    const [reply] = connection.send([request('core.add_torrent_file', 'a.torrent', 'ZGF0YQ==', {})]).replies;
    const result = await reply;
    seen.push(`reply ${JSON.stringify(result)}`);
    expect(seen).toEqual([
      'event TorrentAddedEvent ["1a8edc645a9d59c3b6f7636be22069a757dc4808",false]',
      'reply {"ok":true,"value":"1a8edc645a9d59c3b6f7636be22069a757dc4808"}',
    ]);
  });

  it('drops replies for unknown or finished requests', async () => {
    const server = await serve((session, [first]) => {
      const id = first?.id ?? -1;
      session.send([1, 999, 'never asked']);
      session.send([1, id, 'first answer']);
      session.send([1, id, 'duplicate answer']);
    });
    const connection = await open(server.port);
    const [reply] = connection.send([request('core.get_listen_port')]).replies;
    expect(await reply).toEqual({ ok: true, value: 'first answer' });
    // The connection stays usable: a later request gets its own reply, not the duplicate.
    const [next] = connection.send([request('core.get_listen_port')]).replies;
    expect(await next).toEqual({ ok: true, value: 'first answer' });
    expect(connection.isClosed).toBe(false);
  });

  it('counts wire bytes in both directions and every request written', async () => {
    const sentByServer: number[] = [];
    const server = await serve((session, requests) => {
      for (const { id } of requests) {
        const frame = encodeFrame([1, id, 'x'.repeat(100)]);
        sentByServer.push(frame.length);
        session.sendRaw(frame);
      }
    });
    const counts = { sent: 0, received: 0, requests: [] as string[] };
    const connection = await open(server.port, {
      instrumentation: {
        sentBytes: (bytes) => {
          counts.sent += bytes;
        },
        receivedBytes: (bytes) => {
          counts.received += bytes;
        },
        request: (method) => counts.requests.push(method),
      },
    });
    const requests = [request('core.one', 1), request('core.two', 'two')];
    await Promise.all(connection.send(requests).replies);
    expect(counts.requests).toEqual(['core.one', 'core.two']);
    expect(counts.sent).toBe(
      encodeFrame([
        [0, 'core.one', [1], {}],
        [1, 'core.two', ['two'], {}],
      ]).length,
    );
    expect(counts.received).toBe(sentByServer.reduce((sum, bytes) => sum + bytes, 0));
  });
});

describe('DelugeConnection: remote errors', () => {
  // Shapes observed from deluged 2.0.3 (reference §3.2).
  const cases: { type: string; args: RencodeInput[]; errorClass: typeof DelugeRemoteError; kind: string }[] = [
    { type: 'NotAuthorizedError', args: [0, 5], errorClass: DelugeNotAuthorizedError, kind: 'auth' },
    { type: 'BadLoginError', args: ['Password does not match', 'alice'], errorClass: DelugeAuthError, kind: 'auth' },
    {
      type: 'AuthenticationRequired',
      args: ['Username and Password are required.', ''],
      errorClass: DelugeAuthError,
      kind: 'auth',
    },
    {
      type: 'WrappedException',
      args: ['RPC call on invalid function: core.nope', 'AttributeError', 'Traceback …'],
      errorClass: DelugeWrappedError,
      kind: 'remote',
    },
    { type: 'IncompatibleClient', args: ['2.0.3'], errorClass: DelugeRemoteError, kind: 'remote' },
    {
      type: 'InvalidTorrentError',
      args: ['torrent_id deadbeef not in session.'],
      errorClass: DelugeRemoteError,
      kind: 'remote',
    },
  ];

  /** Deluge's own message for each case: `str(exc)`, or `exc.message` for WrappedException (whose str appends the traceback). */
  function delugeMessages(): string[] {
    const script = [
      'import json, sys, deluge.error as e',
      'for c in json.load(sys.stdin):',
      "    x = getattr(e, c['type'])(*c['args'])",
      "    print(json.dumps(x.message if c['type'] == 'WrappedException' else str(x)))",
    ].join('\n');
    const output = execFileSync('/usr/bin/python3', ['-c', script], {
      input: JSON.stringify(cases.map(({ type, args }) => ({ type, args }))),
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    return output
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as string);
  }

  it('maps every remote error shape to its class, with Deluge’s own message', async () => {
    const server = await serve((session, requests) => {
      for (const [index, { id }] of requests.entries()) {
        const item = cases[index];
        if (item !== undefined) session.send(rpcError(id, item.type, item.args));
      }
    });
    const errors: string[] = [];
    const connection = await open(server.port, {
      instrumentation: { error: (method, kind) => errors.push(`${method}:${kind}`) },
    });
    const results = await Promise.all(connection.send(cases.map((_, index) => request(`core.case${index}`))).replies);
    const expectedMessages = delugeMessages();
    for (const [index, item] of cases.entries()) {
      const error = errorOf(results[index]) as DelugeRemoteError;
      expect(error).toBeInstanceOf(item.errorClass);
      expect(error.kind).toBe(item.kind);
      expect(error.remoteType).toBe(item.type);
      expect(error.remoteArgs).toEqual(item.args);
      expect(error.method).toBe(`core.case${index}`);
      expect(error.message).toBe(expectedMessages[index]);
    }
    const notAuthorized = errorOf(results[0]) as DelugeNotAuthorizedError;
    expect([notAuthorized.current, notAuthorized.required]).toEqual([0, 5]);
    expect((errorOf(results[3]) as DelugeWrappedError).originalType).toBe('AttributeError');
    expect(errors).toEqual(cases.map((item, index) => `core.case${index}:${item.kind}`));
  });
});

describe('DelugeConnection: failures', () => {
  it('keeps an overdue request pending, and gives the connection up only after a grace period of silence', async () => {
    const server = await serve(() => undefined);
    let closedWith: DelugeRpcError | undefined;
    const errors: string[] = [];
    const connection = await open(server.port, {
      lateReplyGraceMs: 300,
      onClose: (reason) => (closedWith = reason),
      instrumentation: { error: (method, kind) => errors.push(`${method}:${kind}`) },
    });
    const sent = connection.send([request('core.slow')]);
    sent.overdue();
    const outcome = rejectionOf<DelugeRpcError>(sent.replies[0] as Promise<unknown>);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(connection.isClosed).toBe(false);
    const error = await outcome;
    expect(connection.isClosed).toBe(true);
    expect(closedWith).toBe(error);
    expect(error).toBeInstanceOf(DelugeTimeoutError);
    expect(error.message).toBe(
      `no answer to core.slow from 127.0.0.1:${server.port} within 0.3 s after its deadline, and nothing else arrived: connection given up`,
    );
    // The caller whose deadline passed counted the failure already.
    expect(errors).toEqual([]);
  });

  it('reads a late answer to an overdue request and keeps the connection', async () => {
    const server = await serve((session, [first]) => {
      setTimeout(() => session.send([1, first?.id ?? -1, 'late']), 200);
    });
    const connection = await open(server.port, { lateReplyGraceMs: 5000 });
    const sent = connection.send([request('core.slow')]);
    sent.overdue();
    expect(await sent.replies[0]).toEqual({ ok: true, value: 'late' });
    expect(connection.isClosed).toBe(false);
  });

  it('is not silent while other messages arrive: an overdue request alone does not end it', async () => {
    let ticker: NodeJS.Timeout | undefined;
    const server = await serve((session) => {
      ticker ??= setInterval(() => session.send([3, 'SessionPausedEvent', []]), 50);
    });
    const connection = await open(server.port, { lateReplyGraceMs: 200 });
    const sent = connection.send([request('core.slow')]);
    sent.overdue();
    const outcome = rejectionOf<DelugeRpcError>(sent.replies[0] as Promise<unknown>);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(connection.isClosed).toBe(false);
    clearInterval(ticker);
    expect(await outcome).toBeInstanceOf(DelugeTimeoutError);
    expect(connection.isClosed).toBe(true);
  });

  it('names the request in its deadline error, suggesting Deluge 1.x only while nothing was received', async () => {
    const server = await serve((session, [first]) => {
      if (first?.method === 'daemon.info') session.send([1, first.id, '2.0.3']);
    });
    const connection = await open(server.port);
    const before = connection.timeoutError('daemon.info');
    expect(before).toBeInstanceOf(DelugeTimeoutError);
    expect(before.method).toBe('daemon.info');
    expect(before.message).toContain('may be Deluge 1.x or not a Deluge daemon');
    expect(await connection.send([request('daemon.info')]).replies[0]).toEqual({ ok: true, value: '2.0.3' });
    const after = connection.timeoutError('core.slow', 2);
    expect(after.message).toBe(`no reply to core.slow (and 2 more) from 127.0.0.1:${server.port} before the deadline`);
    expect(after.method).toBe('core.slow');
  });

  it('rejects pending calls with DelugeConnectionError when the daemon drops the socket', async () => {
    const server = await serve((session) => session.socket.destroy());
    const connection = await open(server.port);
    const error = await rejectionOf(
      connection.send([request('core.get_session_state')]).replies[0] as Promise<unknown>,
    );
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(connection.isClosed).toBe(true);
  });

  it('destroys the connection and rejects pending calls on a protocol error', async () => {
    const server = await serve((session) => session.sendRaw(Buffer.from([0x78, 0x9c, 0, 0, 0, 0])));
    const connection = await open(server.port);
    const error = await rejectionOf(connection.send([request('daemon.info')]).replies[0] as Promise<unknown>);
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toBe('expected protocol version 0x01, got 0x78: not a Deluge 2.x daemon?');
    expect(connection.isClosed).toBe(true);
  });

  it('rejects a malformed message as a protocol error', async () => {
    const server = await serve((session) => session.send([7, 'what']));
    const connection = await open(server.port);
    const error = await rejectionOf(connection.send([request('daemon.info')]).replies[0] as Promise<unknown>);
    expect(error).toBeInstanceOf(DelugeProtocolError);
    expect(error.message).toBe('unknown message type 7');
  });

  it('fails to open a refused port with DelugeConnectionError naming host:port', async () => {
    const server = await startTlsServer(() => undefined);
    const { port } = server;
    await server.close();
    const error = await rejectionOf(open(port));
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('fails to open with DelugeTimeoutError when the deadline has already passed', async () => {
    const server = await serve(() => undefined);
    const error = await rejectionOf(open(server.port, { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(DelugeTimeoutError);
  });

  it('close() rejects pending calls and is idempotent', async () => {
    const server = await serve(() => undefined);
    const closes: DelugeRpcError[] = [];
    const connection = await open(server.port, { onClose: (reason) => closes.push(reason) });
    const [reply] = connection.send([request('core.slow')]).replies;
    connection.close();
    connection.close();
    expect(await rejectionOf(reply as Promise<unknown>)).toBeInstanceOf(DelugeConnectionError);
    expect(closes).toHaveLength(1);
  });
});
