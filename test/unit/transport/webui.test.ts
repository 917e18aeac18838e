import { afterEach, describe, expect, it } from 'vitest';
import { requests } from '../../../src/rpc/api.js';
import type { DelugeEvent } from '../../../src/rpc/types.js';
import type { TransportHooks } from '../../../src/transport/transport.js';
import { WebUiTransport } from '../../../src/transport/webui.js';
import { WebUiClient, WebUiDaemonChoiceError, WebUiDaemonConnectError } from '../../../src/webui/index.js';
import { type FakeWebUi, type FakeWebUiHost, type FakeWebUiOptions, startFakeWebUi } from '../../support/fake-webui.js';

const A: FakeWebUiHost = { id: 'a'.repeat(32), host: '10.0.0.1', port: 58846, username: 'admin' };
const B: FakeWebUiHost = { id: 'b'.repeat(32), host: '10.0.0.2', port: 58846, username: 'admin' };

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

interface World {
  readonly web: FakeWebUi;
  readonly transport: WebUiTransport;
  readonly events: DelugeEvent[];
  readonly connected: { daemonVersion: string; authLevel: number | undefined; reconnect: boolean }[];
}

async function world(
  fake: FakeWebUiOptions,
  daemon?: { host: string; port: number },
  eventInterest: readonly string[] = [],
): Promise<World> {
  const web = await startFakeWebUi({
    daemonVersion: '2.2.0',
    handlers: {
      'core.get_libtorrent_version': () => '2.0.11.0',
      'core.get_free_space': (params) => (params[0] === '/data' ? 1234 : -1),
      'daemon.authorized_call': (params) => params[0] !== 'core.get_known_accounts',
    },
    ...fake,
  });
  const events: DelugeEvent[] = [];
  const connected: World['connected'] = [];
  const hooks: TransportHooks = {
    event: (event) => events.push(event),
    connected: (info) => connected.push({ ...info }),
    disconnected: () => undefined,
  };
  const transport = new WebUiTransport({
    client: new WebUiClient({ url: web.url, password: 'deluge' }),
    daemon,
    eventInterest,
    hooks,
  });
  cleanups.push(async () => {
    await transport.close();
    await web.close();
  });
  return { web, transport, events, connected };
}

const facts = [requests.daemon.info(), requests.core.getLibtorrentVersion(), requests.core.getFreeSpace('/data')];

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as Error,
  );
}

describe('WebUiTransport', () => {
  it('asks daemon.info as daemon.get_version and passes core calls through, answers in order', async () => {
    const { web, transport, connected } = await world({ hosts: [A], connectedTo: A.id });
    const results = await transport.callMany(facts, {});
    expect(results).toEqual([
      { ok: true, value: '2.2.0' },
      { ok: true, value: '2.0.11.0' },
      { ok: true, value: 1234 },
    ]);
    expect(web.requests.map((request) => request.method)).toContain('daemon.get_version');
    expect(web.requests.map((request) => request.method)).not.toContain('daemon.info');
    // Not allowed to call admin methods, allowed normal ones: a normal account.
    expect(transport.authLevel).toBe(5);
    expect(connected).toEqual([{ daemonVersion: '2.2.0', authLevel: 5, reconnect: false }]);
  });

  it('connects a Web UI connected to none to web.daemon, never to another host', async () => {
    const { web, transport } = await world({ hosts: [A, B] }, { host: '10.0.0.2', port: 58846 });
    await transport.callMany(facts, {});
    expect(web.connectedTo).toBe(B.id);
  });

  it('leaves a Web UI connected to another daemon as it is and says so', async () => {
    const { web, transport } = await world({ hosts: [A, B], connectedTo: A.id }, { host: '10.0.0.2', port: 58846 });
    const error = await failure(transport.callMany(facts, {}));
    expect(error).toBeInstanceOf(WebUiDaemonChoiceError);
    expect(error.message).toMatch(/connected to another daemon than web\.daemon 10\.0\.0\.2:58846; not switching it/);
    expect(web.connectedTo).toBe(A.id);
    expect(web.requests.map((request) => request.method)).not.toContain('web.connect');
  });

  it('checks web.daemon again on every bundle: the known host alone while it stays connected, the list once it does not', async () => {
    const { web, transport } = await world({ hosts: [A, B], connectedTo: B.id }, { host: '10.0.0.2', port: 58846 });
    await transport.callMany(facts, {});
    web.clearRecords();
    await transport.callMany(facts, {});
    const checks = web.requests.map((request) => request.method).filter((method) => method?.startsWith('web.'));
    expect(checks).toEqual(['web.connected', 'web.get_host_status']);
    web.connectTo(A.id);
    const error = await failure(transport.callMany(facts, {}));
    expect(error).toBeInstanceOf(WebUiDaemonChoiceError);
    expect(web.connectedTo).toBe(A.id);
  });

  it('names what is missing: an empty host list, several hosts, web.daemon not in the list', async () => {
    const empty = await world({ hosts: [] });
    expect((await failure(empty.transport.callMany(facts, {}))).message).toMatch(/host list is empty/);
    const several = await world({ hosts: [A, B] });
    expect((await failure(several.transport.callMany(facts, {}))).message).toBe(
      'the Web UI is connected to no daemon and lists several (10.0.0.1:58846 (user "admin"), 10.0.0.2:58846 (user "admin")): set web.daemon to the one to read',
    );
    expect(several.web.connectedTo).toBeUndefined();
    const absent = await world({ hosts: [A] }, { host: '10.9.9.9', port: 1 });
    expect((await failure(absent.transport.callMany(facts, {}))).message).toMatch(
      /host list has no 10\.9\.9\.9:1 \(it lists 10\.0\.0\.1:58846 \(user "admin"\)\)/,
    );
  });

  it('names the daemon a connected Web UI serves, asking the hosts of its list when it must', async () => {
    const { transport } = await world({ hosts: [A, B], connectedTo: B.id });
    await transport.callMany(facts, {});
    await expect(transport.connectedDaemon(undefined)).resolves.toBe('10.0.0.2:58846 (user "admin")');
  });

  it('says so when the Web UI cannot connect to the daemon', async () => {
    const { web, transport } = await world({ hosts: [A] });
    // web.connect answers, but the Web UI stays connected to no daemon (as when deluged is down).
    web.setFault('web.connected', { kind: 'body', bytes: Buffer.from('{"result": false, "error": null, "id": 1}') });
    const error = await failure(transport.callMany(facts, {}));
    expect(error).toBeInstanceOf(WebUiDaemonConnectError);
    expect(error.message).toMatch(/could not connect to daemon 10\.0\.0\.1:58846/);
  });

  it('drains the event queue beside the calls and registers the listeners again in a new session', async () => {
    const { web, transport, events } = await world({ hosts: [A], connectedTo: A.id }, undefined, ['TorrentAddedEvent']);
    await transport.callMany(facts, {});
    web.emitEvent('TorrentAddedEvent', ['f'.repeat(40), false]);
    // Queued in the Web UI until the drain beside a scrape fetches it.
    await expect
      .poll(async () => {
        await transport.callMany(facts, {});
        return events.length;
      })
      .toBe(1);
    expect(events[0]).toEqual({ name: 'TorrentAddedEvent', args: ['f'.repeat(40), false] });
    web.expireSessions();
    // The next scrape logs in again; its drain registers the listener in the new session.
    await expect
      .poll(async () => {
        await transport.callMany(facts, {});
        web.emitEvent('TorrentAddedEvent', ['e'.repeat(40), false]);
        return events.length;
      })
      .toBeGreaterThanOrEqual(2);
    const registrations = web.requests.filter((request) => request.method === 'web.register_event_listener');
    expect(new Set(registrations.map((request) => request.sessionCookie)).size).toBe(2);
  });
});
