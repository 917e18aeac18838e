import { DelugeClient } from '../../src/rpc/client.js';
import type { DelugeClientOptions } from '../../src/rpc/types.js';
import type { DaemonHandle } from './daemon.js';

/** Options of {@link connectClient}: any client option except the address, which comes from the daemon. */
export type ConnectClientOptions = Partial<Omit<DelugeClientOptions, 'host' | 'port'>>;

/**
 * Creates a {@link DelugeClient} for a harness daemon, logged in as its admin unless `username` and
 * `password` say otherwise, and connects it (so login errors surface here).
 */
export async function connectClient(daemon: DaemonHandle, options: ConnectClientOptions = {}): Promise<DelugeClient> {
  const client = createClient(daemon, options);
  try {
    await client.connect();
  } catch (error) {
    await client.close();
    throw error;
  }
  return client;
}

/** Like {@link connectClient} but does not connect: the first call does. */
export function createClient(daemon: DaemonHandle, options: ConnectClientOptions = {}): DelugeClient {
  return new DelugeClient({ ...daemon.admin, ...options, host: daemon.host, port: daemon.port });
}
