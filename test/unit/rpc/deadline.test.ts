/**
 * A deadline ends the call, not the connection: against a fake daemon that answers after 3 s,
 * callers with 1.5 s deadlines time out, the requests stay pending, the late answers are read and
 * dropped, and everything happens on one connection with one login. The first two tests run on fake
 * timers (setTimeout and Date: the daemon's delay, the callers' deadlines, the client's watchdog), so
 * what they check is the order of deadline and answer, not how fast the machine is.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DelugeClient } from '../../../src/rpc/client.js';
import { DelugeTimeoutError } from '../../../src/rpc/errors.js';
import type { RpcRequest } from '../../../src/rpc/types.js';
import { FAKE_CLOCK, settledNow, untilIo } from '../../support/fake-clock.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { rejectionOf, trackUnhandledRejections } from '../../support/unhandled-rejections.js';

const unhandled = trackUnhandledRejections();

const ANSWER_MS = 3000;
const DEADLINE_MS = 1500;

const daemons: FakeDaemon[] = [];
const clients: DelugeClient[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const client of clients.splice(0)) await client.close();
  for (const daemon of daemons.splice(0)) await daemon.close();
  await new Promise((resolve) => setImmediate(resolve));
  expect(unhandled).toEqual([]);
});

async function slowDaemon(): Promise<FakeDaemon> {
  const daemon = await startFakeDaemon({
    handlers: { 'core.get_session_state': () => ['a'.repeat(40)], 'core.get_free_space': () => 1024 },
  });
  daemon.setFault('core.get_session_state', { kind: 'delay', ms: ANSWER_MS });
  daemons.push(daemon);
  return daemon;
}

function clientOf(daemon: FakeDaemon, received: number[] = []): DelugeClient {
  const client = new DelugeClient({
    host: daemon.host,
    port: daemon.port,
    username: 'admin',
    password: 'admin-secret',
    instrumentation: { receivedBytes: (bytes) => received.push(bytes) },
  });
  clients.push(client);
  return client;
}

/** A caller's deadline on the (possibly fake) setTimeout clock. */
function deadline(ms: number): AbortSignal {
  const controller = new AbortController();
  setTimeout(() => controller.abort(new DOMException('deadline', 'TimeoutError')), ms);
  return controller.signal;
}

const sessionStateBundles = (daemon: FakeDaemon) =>
  daemon.messages.filter((message) => message.requests[0]?.method === 'core.get_session_state').length;

const bundle = [
  { method: 'core.get_session_state', args: [] },
  { method: 'core.get_free_space', args: ['/'] },
] as const satisfies readonly RpcRequest[];

describe('a deadline ends the call, not the connection', () => {
  it('times callers out at their deadline, before the answer, reads and drops the late answers, and keeps one connection', async () => {
    const daemon = await slowDaemon();
    const received: number[] = [];
    const client = clientOf(daemon, received);
    await client.connect();
    vi.useFakeTimers(FAKE_CLOCK);
    const first = rejectionOf<DelugeTimeoutError>(client.callMany(bundle, { signal: deadline(DEADLINE_MS) }));
    await untilIo(() => sessionStateBundles(daemon) === 1);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    const firstError = (await settledNow(first)) as DelugeTimeoutError;
    expect(firstError).toBeInstanceOf(DelugeTimeoutError);
    expect(firstError.message).toBe(
      `no reply to core.get_session_state (and 1 more) from 127.0.0.1:${daemon.port} before the deadline`,
    );
    // Released at its deadline (1.5 s on the fake clock), while the daemon still holds the answer.
    const bytesBefore = received.length;
    const second = rejectionOf(client.callMany(bundle, { signal: deadline(DEADLINE_MS) }));
    await untilIo(() => sessionStateBundles(daemon) === 2);
    // At 3 s the first answer comes and is read; the second caller's deadline ends at the same moment.
    await vi.advanceTimersByTimeAsync(ANSWER_MS - DEADLINE_MS);
    expect(await settledNow(second)).toBeInstanceOf(DelugeTimeoutError);
    await untilIo(() => received.length > bytesBefore);
    const bytesAfterFirst = received.length;
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    await untilIo(() => received.length > bytesAfterFirst);
    vi.useRealTimers();
    daemon.setFault('core.get_session_state', undefined);
    const [state, space] = await client.callMany(bundle, { signal: AbortSignal.timeout(DEADLINE_MS) });
    expect(state).toEqual({ ok: true, value: ['a'.repeat(40)] });
    expect(space).toEqual({ ok: true, value: 1024 });
    expect(daemon.connections).toBe(1);
    expect(daemon.logins).toBe(1);
    expect(sessionStateBundles(daemon)).toBe(3);
  });

  it('lets later callers wait for the same outstanding bundle with their own deadlines', async () => {
    const daemon = await slowDaemon();
    const client = clientOf(daemon);
    await client.connect();
    vi.useFakeTimers(FAKE_CLOCK);
    const inFlight = client.send(bundle);
    const early = rejectionOf(inFlight.wait({ signal: deadline(DEADLINE_MS) }));
    await untilIo(() => sessionStateBundles(daemon) === 1);
    await vi.advanceTimersByTimeAsync(DEADLINE_MS);
    expect(await settledNow(early)).toBeInstanceOf(DelugeTimeoutError);
    expect(inFlight.done).toBe(false);
    // A second caller (another scrape) joins the same bundle with a longer deadline and gets the answer.
    const patient = inFlight.wait({ signal: deadline(ANSWER_MS) });
    await vi.advanceTimersByTimeAsync(ANSWER_MS - DEADLINE_MS);
    const [state] = await patient;
    expect(state).toEqual({ ok: true, value: ['a'.repeat(40)] });
    expect(inFlight.done).toBe(true);
    expect(await inFlight.settled).toHaveLength(2);
    // Waiting for a settled bundle answers at once, whatever the deadline.
    expect(await inFlight.wait({ signal: AbortSignal.abort() })).toHaveLength(2);
    expect(sessionStateBundles(daemon)).toBe(1);
    expect(daemon.connections).toBe(1);
  });

  it('cancels a bundle whose every waiter gave up before it could be sent; it is never sent', async () => {
    const daemon = await slowDaemon();
    daemon.setFault('daemon.info', { kind: 'delay', ms: 500 });
    const client = clientOf(daemon);
    const inFlight = client.send(bundle);
    const error = await rejectionOf<DelugeTimeoutError>(inFlight.wait({ signal: AbortSignal.timeout(100) }));
    expect(error).toBeInstanceOf(DelugeTimeoutError);
    expect(error.message).toMatch(
      /^connecting to 127\.0\.0\.1:\d+ timed out while waiting for the reply to daemon\.info/,
    );
    expect(await rejectionOf(inFlight.settled)).toBeInstanceOf(DelugeTimeoutError);
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(daemon.requests.map((request) => request.method)).toEqual(['daemon.info']);
  });

  it('keeps a bundle that another caller still waits for without a deadline', async () => {
    const daemon = await slowDaemon();
    daemon.setFault('daemon.info', { kind: 'delay', ms: 300 });
    daemon.setFault('core.get_session_state', undefined);
    const client = clientOf(daemon);
    const inFlight = client.send(bundle);
    const patient = inFlight.wait();
    expect(await rejectionOf(inFlight.wait({ signal: AbortSignal.timeout(50) }))).toBeInstanceOf(DelugeTimeoutError);
    const [state] = await patient;
    expect(state).toEqual({ ok: true, value: ['a'.repeat(40)] });
  });
});
