/**
 * Against a real deluged: a call whose deadline passes does not cost the connection. The request
 * stays pending, deluged's late answer is read on the same connection, and later calls reuse it
 * without a second login.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import type { DelugeClient } from '../../src/rpc/client.js';
import { DelugeTimeoutError } from '../../src/rpc/errors.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { rejectionOf } from '../support/unhandled-rejections.js';

describe('a timed-out call against a real deluged', () => {
  let daemon: DaemonHandle;
  let client: DelugeClient;
  const events: string[] = [];

  beforeAll(async () => {
    daemon = await startDaemon();
    client = await connectClient(daemon, {
      instrumentation: {
        request: (method) => events.push(`request ${method}`),
        reconnect: () => events.push('reconnect'),
      },
    });
    client.on('disconnected', () => events.push('disconnected'));
  });

  afterAll(async () => {
    await client?.close();
    await stopAllDaemons();
  });

  it('times the caller out, reads the late answer on the same connection, and does not reconnect', async () => {
    const version = await client.call(requests.daemon.getVersion());
    const inFlight = client.send([requests.daemon.getVersion(), requests.core.getSessionState()]);
    // The deadline has passed before deluged can possibly answer.
    const error = await rejectionOf(inFlight.wait({ signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(DelugeTimeoutError);
    expect(inFlight.done).toBe(false);
    // The bundle was still written, and deluged's answer arrives and is read.
    const [lateVersion, lateState] = await inFlight.settled;
    expect(lateVersion).toEqual({ ok: true, value: version });
    expect(lateState?.ok).toBe(true);
    expect(await client.call(requests.daemon.getVersion())).toBe(version);
    expect(events.filter((event) => event === 'request daemon.login')).toHaveLength(1);
    expect(events).not.toContain('reconnect');
    expect(events).not.toContain('disconnected');
  });
});
