import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DelugeApi, requests } from '../../../src/rpc/api.js';
import { DelugeClient } from '../../../src/rpc/client.js';
import {
  DelugeAuthError,
  DelugeConnectionError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  DelugeTimeoutError,
  type DelugeWrappedError,
} from '../../../src/rpc/errors.js';
import type { DelugeClientOptions, DelugeEvent } from '../../../src/rpc/types.js';
import { type FakeDaemon, FakeRemoteError, PreEncoded, startFakeDaemon } from '../../support/fake-daemon.js';

let fake: FakeDaemon;
const clients: DelugeClient[] = [];

/** Resolved by the test to let the `core.slow` handler answer. */
let releaseSlow: () => void = () => undefined;

beforeAll(async () => {
  fake = await startFakeDaemon({
    handlers: {
      'core.get_session_status': ([keys]) =>
        Object.fromEntries((keys as string[]).map((key, index) => [key, index * 1.5])),
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_known_accounts': () => [],
      'core.fail': () => {
        throw new FakeRemoteError('InvalidTorrentError', ['torrent_id deadbeef not in session.']);
      },
      'core.crash': () => {
        throw new TypeError("argument of type 'bool' is not iterable");
      },
      'core.slow': () => new Promise<string>((resolve) => (releaseSlow = () => resolve('slow'))),
      'core.whoami': (_args, _kwargs, context) => [context.username ?? '', context.authLevel, context.connectionId],
    },
  });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  fake.setFault('*', undefined);
  fake.setFault('core.get_libtorrent_version', undefined);
  fake.clearRecords();
});

afterAll(() => fake.close());

function client(overrides: Partial<DelugeClientOptions> = {}): DelugeClient {
  const created = new DelugeClient({
    host: fake.host,
    port: fake.port,
    username: 'user',
    password: 'user-secret',
    tls: { fingerprintSha256: fake.certFingerprint256 },
    ...overrides,
  });
  clients.push(created);
  return created;
}

describe('fake deluged: handshake and auth', () => {
  it('answers daemon.info and logs in, counting connections and logins', async () => {
    const before = { connections: fake.connections, logins: fake.logins };
    const api = new DelugeApi(client());
    await expect(api.core.getLibtorrentVersion()).resolves.toBe('2.0.8.0');
    expect(fake.connections - before.connections).toBe(1);
    expect(fake.logins - before.logins).toBe(1);
    expect(fake.requests.map((r) => r.method)).toEqual(['daemon.info', 'daemon.login', 'core.get_libtorrent_version']);
    expect(fake.requests[1]?.kwargs).toHaveProperty('client_version');
  });

  it('refuses a wrong password with BadLoginError and never echoes the password', async () => {
    const error = await client({ password: 'wrong-pw' })
      .call(requests.daemon.getVersion())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelugeAuthError);
    expect((error as DelugeAuthError).remoteType).toBe('BadLoginError');
    expect((error as DelugeAuthError).remoteArgs).toEqual(['Password does not match', 'user']);
    expect(String((error as Error).message)).not.toContain('wrong-pw');
  });

  it('refuses an unknown user', async () => {
    const error = await client({ username: 'zed' })
      .call(requests.daemon.info())
      .catch((e: unknown) => e);
    expect((error as DelugeAuthError).remoteArgs).toEqual(['Username does not exist', 'zed']);
  });

  it('checks auth levels: a read-only account gets NotAuthorizedError(1, 5)', async () => {
    const reader = client({ username: 'reader', password: 'reader-secret' });
    const error = await reader.call(requests.core.getSessionStatus(['x'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelugeNotAuthorizedError);
    expect([(error as DelugeNotAuthorizedError).current, (error as DelugeNotAuthorizedError).required]).toEqual([1, 5]);
    await expect(reader.call(requests.daemon.authorizedCall('core.get_session_status'))).resolves.toBe(false);
    const admin = await client()
      .call(requests.core.getKnownAccounts())
      .catch((e: unknown) => e);
    expect((admin as DelugeNotAuthorizedError).required).toBe(10);
  });
});

describe('fake deluged: calls', () => {
  it('records one message per bundle and answers each item on its own', async () => {
    const rpc = client();
    await rpc.connect();
    fake.clearRecords();
    const [status, failed, crashed, unknown] = await rpc.callMany([
      requests.core.getSessionStatus(['a', 'b']),
      { method: 'core.fail', args: [] },
      { method: 'core.crash', args: [] },
      { method: 'core.nope', args: [] },
    ]);
    expect(status).toEqual({ ok: true, value: { a: 0, b: 1.5 } });
    expect(!failed.ok && failed.error).toBeInstanceOf(DelugeRemoteError);
    expect(!failed.ok && (failed.error as DelugeRemoteError).remoteType).toBe('InvalidTorrentError');
    expect(!crashed.ok && (crashed.error as DelugeWrappedError).originalType).toBe('TypeError');
    expect(!unknown.ok && (unknown.error as DelugeWrappedError).remoteArgs[0]).toBe(
      'RPC call on invalid function: core.nope',
    );
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]?.requests.map((r) => r.method)).toEqual([
      'core.get_session_status',
      'core.fail',
      'core.crash',
      'core.nope',
    ]);
  });

  it('replies in the order handlers settle', async () => {
    const rpc = client();
    const order: string[] = [];
    const slow = rpc.call<string>({ method: 'core.slow', args: [] }).then((v) => order.push(v));
    const fast = rpc.call(requests.core.getLibtorrentVersion()).then((v) => order.push(v));
    await fast;
    releaseSlow();
    await slow;
    expect(order).toEqual(['2.0.8.0', 'slow']);
  });

  it('serves pre-encoded answers unchanged', async () => {
    const value = { t1: { name: 'one', progress: 12.5, files: [{ index: 0, path: 'a', size: 1, offset: 0 }] } };
    fake.setHandler('core.get_torrents_status', () => new PreEncoded(value));
    await expect(new DelugeApi(client()).core.getTorrentsStatus({}, ['name'])).resolves.toEqual(value);
    fake.setHandler('core.get_torrents_status', undefined);
  });

  it('passes the session to handlers', async () => {
    const [username, level] = await client().call<[string, number, number]>({ method: 'core.whoami', args: [] });
    expect([username, level]).toEqual(['user', 5]);
  });
});

describe('fake deluged: events and faults', () => {
  it('emits events only to logged-in sessions with interest', async () => {
    const interested = client({ eventInterest: ['TorrentAddedEvent'] });
    const other = client();
    await Promise.all([interested.connect(), other.connect()]);
    const received = new Promise<DelugeEvent>((resolve) => interested.once('event', resolve));
    expect(fake.emitEvent('TorrentAddedEvent', ['abc', false])).toBe(1);
    await expect(received).resolves.toEqual({ name: 'TorrentAddedEvent', args: ['abc', false] });
  });

  it('hangs: the call only ends by its deadline', async () => {
    fake.setFault('core.get_libtorrent_version', { kind: 'hang' });
    const rpc = client();
    await rpc.connect();
    const error = await rpc
      .call(requests.core.getLibtorrentVersion(), { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DelugeTimeoutError);
  });

  it('delays an answer', async () => {
    fake.setFault('core.get_libtorrent_version', { kind: 'delay', ms: 50 });
    await expect(client().call(requests.core.getLibtorrentVersion())).resolves.toBe('2.0.8.0');
  });

  it('drops the connection', async () => {
    const rpc = client();
    await rpc.connect();
    fake.setFault('core.get_libtorrent_version', { kind: 'drop' });
    await expect(rpc.call(requests.core.getLibtorrentVersion())).rejects.toBeInstanceOf(DelugeConnectionError);
    expect(fake.openConnections).toBe(0);
  });

  it('sends garbage instead of a reply', async () => {
    const rpc = client();
    await rpc.connect();
    fake.setFault('core.get_libtorrent_version', { kind: 'garbage' });
    await expect(rpc.call(requests.core.getLibtorrentVersion())).rejects.toBeInstanceOf(DelugeProtocolError);
  });

  it('closes the connection on undecodable input and counts it', async () => {
    const { connect } = await import('node:tls');
    const before = fake.protocolErrors;
    const socket = connect({ host: fake.host, port: fake.port, rejectUnauthorized: false });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    socket.write(Buffer.from([0x44, 0, 0, 0, 1, 0]));
    await new Promise((resolve) => socket.once('close', resolve));
    expect(fake.protocolErrors).toBe(before + 1);
  });
});
