import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DelugeClient, type DelugeConnectedInfo } from '../../../src/rpc/client.js';
import {
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeConnectionError,
  DelugeLimitError,
  type DelugeRpcError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from '../../../src/rpc/errors.js';
import { EncodedRencode } from '../../../src/rpc/rencode.js';
import { InvalidFingerprintError } from '../../../src/rpc/tls.js';
import type { ClientInstrumentation, DelugeClientOptions, DelugeEvent } from '../../../src/rpc/types.js';
import { generateCertificate } from '../../support/certificate.js';
import {
  type FakeAccount,
  type FakeDaemon,
  type FakeDaemonOptions,
  startFakeDaemon,
} from '../../support/fake-daemon.js';
import { startTlsServer } from '../../support/tls-server.js';
import { rejectionOf, trackUnhandledRejections } from '../../support/unhandled-rejections.js';

const unhandled = trackUnhandledRejections();

const servers: { close(): Promise<void> }[] = [];
const clients: DelugeClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  for (const server of servers.splice(0)) await server.close();
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

/** The account every test client logs in with. */
const ALICE: FakeAccount = { username: 'alice', password: 'secret', level: 5 };

/**
 * A fake deluged with only {@link ALICE}, answering `core.echo` with its arguments and never answering
 * `core.slow`; any other method fails like Deluge (WrappedException of an AttributeError).
 */
async function daemon(options: FakeDaemonOptions = {}): Promise<FakeDaemon> {
  const server = await startFakeDaemon({
    accounts: [ALICE],
    ...options,
    handlers: { 'core.echo': (args) => [...args], ...options.handlers },
  });
  server.setFault('core.slow', { kind: 'hang' });
  servers.push(server);
  return server;
}

function client(port: number, options: Partial<DelugeClientOptions> = {}): DelugeClient {
  const created = new DelugeClient({
    host: '127.0.0.1',
    port,
    username: ALICE.username,
    password: ALICE.password,
    ...options,
  });
  clients.push(created);
  return created;
}

/** Polls until the server side has reached a state (what it received is only observable that way). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}

const echo = (...args: string[]) => ({ method: 'core.echo', args });
const methodsOf = (server: FakeDaemon) => server.messages.map((message) => message.requests.map((item) => item.method));

describe('DelugeClient: handshake and calls', () => {
  it('connects lazily: daemon.info, then login with client_version, then the call', async () => {
    const server = await daemon({ accounts: [{ ...ALICE, level: 10 }], version: '2.1.1' });
    const connected: DelugeConnectedInfo[] = [];
    const rpc = client(server.port, { clientVersion: 'test-suite' });
    rpc.on('connected', (info) => connected.push(info));
    expect(server.connections).toBe(0);
    expect(await rpc.call(echo('a', 'b'))).toEqual(['a', 'b']);
    expect(methodsOf(server)).toEqual([['daemon.info'], ['daemon.login'], ['core.echo']]);
    const login = server.messages[1]?.requests[0];
    expect([login?.args, login?.kwargs]).toEqual([['alice', 'secret'], { client_version: 'test-suite' }]);
    expect([rpc.daemonVersion, rpc.authLevel]).toEqual(['2.1.1', 10]);
    expect(connected).toEqual([{ daemonVersion: '2.1.1', authLevel: 10, reconnect: false }]);
  });

  it('takes the password wrapped and reveals it only in the login frame', async () => {
    const server = await daemon();
    let reveals = 0;
    const wrapped = {
      reveal: () => {
        reveals += 1;
        return ALICE.password;
      },
    };
    const rpc = client(server.port, { password: wrapped });
    expect(reveals).toBe(0);
    expect(await rpc.call(echo('a'))).toEqual(['a']);
    expect(server.messages[1]?.requests[0]?.args).toEqual(['alice', 'secret']);
    expect(reveals).toBe(1);
  });

  it('subscribes to events after login and re-emits them', async () => {
    const server = await daemon({
      handlers: {
        'core.remove_torrent': () => {
          server.emitEvent('TorrentRemovedEvent', ['1a8edc645a9d59c3b6f7636be22069a757dc4808']);
          return true;
        },
      },
    });
    const rpc = client(server.port, { eventInterest: ['TorrentRemovedEvent', 'TorrentAddedEvent'] });
    const events: DelugeEvent[] = [];
    rpc.on('event', (event) => events.push(event));
    await rpc.call({ method: 'core.remove_torrent', args: ['1a8edc645a9d59c3b6f7636be22069a757dc4808', false] });
    expect(methodsOf(server).slice(0, 3)).toEqual([['daemon.info'], ['daemon.login'], ['daemon.set_event_interest']]);
    expect(server.messages[2]?.requests[0]?.args).toEqual([['TorrentRemovedEvent', 'TorrentAddedEvent']]);
    expect(events).toEqual([{ name: 'TorrentRemovedEvent', args: ['1a8edc645a9d59c3b6f7636be22069a757dc4808'] }]);
  });

  it('callMany sends one message and settles each item on its own', async () => {
    const server = await daemon();
    const rpc = client(server.port);
    await rpc.connect();
    const [first, failed, last] = await rpc.callMany([echo('one'), { method: 'core.nope', args: [] }, echo('three')]);
    expect(first).toEqual({ ok: true, value: ['one'] });
    expect(last).toEqual({ ok: true, value: ['three'] });
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toBeInstanceOf(DelugeWrappedError);
    expect(methodsOf(server).at(-1)).toEqual(['core.echo', 'core.nope', 'core.echo']);
  });

  it('hands a result over encoded when its request asks, checked against the same limits', async () => {
    const server = await daemon();
    const rpc = client(server.port, { decodeLimits: { maxValues: 50 } });
    const [kept, plain] = await rpc.callMany([{ ...echo('a', 'b'), encodedAnswer: true }, echo('c')]);
    expect(kept.ok && kept.value instanceof EncodedRencode && kept.value.decode()).toEqual(['a', 'b']);
    expect(plain).toEqual({ ok: true, value: ['c'] });
    // Over a limit, an answer kept encoded fails the connection's calls like a decoded one.
    const tooMany = Array.from({ length: 60 }, (_, i) => String(i));
    await expect(rpc.callMany([{ ...echo(...tooMany), encodedAnswer: true }])).rejects.toBeInstanceOf(DelugeLimitError);
    expect(await rpc.call(echo('again'))).toEqual(['again']);
    expect(server.connections).toBe(2);
  });

  it('call rejects with the remote error of its request', async () => {
    const server = await daemon();
    const error = await rejectionOf<DelugeRpcError>(client(server.port).call({ method: 'core.nope', args: [] }));
    expect(error).toBeInstanceOf(DelugeWrappedError);
    expect(error.message).toBe('RPC call on invalid function: core.nope');
  });

  it('concurrent calls during connect share one connection and one login', async () => {
    const server = await daemon();
    const rpc = client(server.port);
    const results = await Promise.all([rpc.call(echo('1')), rpc.call(echo('2')), rpc.call(echo('3'))]);
    expect(results).toEqual([['1'], ['2'], ['3']]);
    expect(server.connections).toBe(1);
    expect(server.loginAttempts).toBe(1);
  });
});

describe('DelugeClient: failures and reconnects', () => {
  it('never retries bad credentials, but tries one login again on each later call', async () => {
    const server = await daemon({ accounts: [{ ...ALICE, password: 'the real one' }] });
    const rpc = client(server.port);
    const first = await rejectionOf<DelugeRpcError>(rpc.call(echo('x')));
    expect(first).toBeInstanceOf(DelugeAuthError);
    expect(first.message).toBe('Password does not match');
    expect(first.message).not.toContain('secret');
    expect(server.loginAttempts).toBe(1);
    expect(await rejectionOf<DelugeRpcError>(rpc.call(echo('x')))).toBeInstanceOf(DelugeAuthError);
    expect(server.loginAttempts).toBe(2);
  });

  it('gives a connection up when an overdue call stays unanswered through the grace period; the next call reconnects', async () => {
    const server = await daemon();
    const reconnects: string[] = [];
    const errors: string[] = [];
    const instrumentation: ClientInstrumentation = {
      reconnect: () => reconnects.push('reconnect'),
      error: (method, kind) => errors.push(`${method}:${kind}`),
    };
    const rpc = client(server.port, { instrumentation, eventInterest: ['TorrentAddedEvent'], lateReplyGraceMs: 200 });
    const connected: boolean[] = [];
    rpc.on('connected', (info) => connected.push(info.reconnect));
    await rpc.connect();
    const deadline = new AbortController();
    const slow = rpc.call({ method: 'core.slow', args: [] }, { signal: deadline.signal });
    const disconnected = once(rpc, 'disconnected');
    await until(() => methodsOf(server).some(([method]) => method === 'core.slow'));
    deadline.abort();
    const error = await rejectionOf<DelugeRpcError>(slow);
    expect(error).toBeInstanceOf(DelugeTimeoutError);
    expect(error.message).not.toContain('Deluge 1.x');
    const [reason] = await disconnected;
    expect(reason).toBeInstanceOf(DelugeTimeoutError);
    expect(reason?.message).toContain('within 0.2 s after its deadline');
    expect(await rpc.call(echo('after'))).toEqual(['after']);
    expect(server.connections).toBe(2);
    expect(server.loginAttempts).toBe(2);
    expect(methodsOf(server).filter(([method]) => method === 'daemon.set_event_interest')).toHaveLength(2);
    expect(reconnects).toEqual(['reconnect']);
    expect(connected).toEqual([false, true]);
    expect(errors).toEqual(['core.slow:timeout']);
  });

  it('reconnects on the next call after the daemon drops the socket', async () => {
    const server = await daemon();
    const rpc = client(server.port);
    expect(await rpc.call(echo('before'))).toEqual(['before']);
    const disconnected = once(rpc, 'disconnected');
    server.dropConnections();
    await disconnected;
    expect(await rpc.call(echo('after'))).toEqual(['after']);
    expect(server.connections).toBe(2);
  });

  it('times out against a peer that never answers, suggesting Deluge 1.x', async () => {
    const silent = await daemon();
    silent.setFault('*', { kind: 'hang' });
    const deadline = new AbortController();
    const call = client(silent.port).call(echo('x'), { signal: deadline.signal });
    // Wait until daemon.info has been written, then give up.
    await until(() => silent.messages.length > 0);
    deadline.abort();
    const error = await rejectionOf<DelugeRpcError>(call);
    expect(error).toBeInstanceOf(DelugeTimeoutError);
    expect(error.message).toContain('may be Deluge 1.x or not a Deluge daemon');
    expect(methodsOf(silent)).toEqual([['daemon.info']]);
  });

  it('one caller giving up does not cancel the connect another caller still waits for', async () => {
    let releaseInfo: (() => void) | undefined;
    const server = await startTlsServer((session, requests) => {
      for (const { id, method, args } of requests) {
        if (method === 'daemon.info') releaseInfo = () => session.send([1, id, '2.0.3']);
        else session.send([1, id, method === 'daemon.login' ? 5 : [...args]]);
      }
    });
    servers.push(server);
    const rpc = client(server.port);
    const impatient = new AbortController();
    const first = rpc.call(echo('impatient'), { signal: impatient.signal });
    const second = rpc.call(echo('patient'));
    await until(() => releaseInfo !== undefined);
    impatient.abort();
    expect(await rejectionOf<DelugeRpcError>(first)).toBeInstanceOf(DelugeTimeoutError);
    releaseInfo?.();
    expect(await second).toEqual(['patient']);
    expect(server.sessions).toHaveLength(1);
  });

  it('fails with DelugeConnectionError naming host:port when the port is refused', async () => {
    const gone = await startFakeDaemon();
    const { port } = gone;
    await gone.close();
    const errors: string[] = [];
    const rpc = client(port, { instrumentation: { error: (method, kind) => errors.push(`${method}:${kind}`) } });
    const error = await rejectionOf<DelugeRpcError>(rpc.call(echo('x')));
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect(error.message).toContain(`127.0.0.1:${port}`);
    expect(errors).toEqual(['core.echo:connection']);
  });

  it('retries a dropped connection 3 times (4 connections, each asking daemon.info), then fails with DelugeConnectionError', async () => {
    const server = await daemon();
    server.setFault('daemon.info', { kind: 'drop' });
    const rpc = client(server.port);
    const error = await rejectionOf<DelugeRpcError>(rpc.call(echo('x')));
    expect(error).toBeInstanceOf(DelugeConnectionError);
    expect(error.message).toContain(`127.0.0.1:${server.port}`);
    expect(server.connections).toBe(4);
    expect(methodsOf(server)).toEqual([['daemon.info'], ['daemon.info'], ['daemon.info'], ['daemon.info']]);
  });

  it('does not retry a certificate pin mismatch', async () => {
    const server = await daemon();
    const rpc = client(server.port, { tls: { fingerprintSha256: generateCertificate().fingerprint256 } });
    expect(await rejectionOf<DelugeRpcError>(rpc.call(echo('x')))).toBeInstanceOf(DelugeCertificatePinError);
    expect(server.loginAttempts).toBe(0);
    expect(server.connections).toBeLessThanOrEqual(1);
  });

  it('close() rejects pending calls, is idempotent, and later calls fail fast', async () => {
    const server = await daemon();
    const rpc = client(server.port);
    const disconnected: unknown[] = [];
    rpc.on('disconnected', (reason) => disconnected.push(reason));
    await rpc.connect();
    const pending = rpc.call({ method: 'core.slow', args: [] });
    await rpc.close();
    await rpc.close();
    expect(await rejectionOf<DelugeRpcError>(pending)).toBeInstanceOf(DelugeConnectionError);
    expect(await rejectionOf<DelugeRpcError>(rpc.call(echo('x')))).toBeInstanceOf(DelugeConnectionError);
    expect(disconnected).toEqual([undefined]);
    expect(server.connections).toBe(1);
  });
});

describe('DelugeClient: options', () => {
  it('rejects a malformed pin and a bad port at construction', () => {
    const base = { host: '127.0.0.1', username: 'u', password: 'p' };
    expect(() => new DelugeClient({ ...base, port: 58846, tls: { fingerprintSha256: 'abc' } })).toThrow(
      InvalidFingerprintError,
    );
    expect(() => new DelugeClient({ ...base, port: 70000 })).toThrow('deluge port 70000 is not an integer in 1..65535');
  });
});
