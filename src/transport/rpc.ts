import type { DelugeClient } from '../rpc/client.js';
import type { RpcRequest, Settled } from '../rpc/types.js';
import type { DaemonTransport, TransportHooks } from './transport.js';

/** The DelugeRPC client as a transport: every call and event passes through unchanged. */
export class RpcTransport implements DaemonTransport {
  readonly kind = 'rpc' as const;

  constructor(
    private readonly client: DelugeClient,
    hooks: TransportHooks,
  ) {
    client.on('event', (event) => hooks.event(event));
    client.on('connected', ({ authLevel, daemonVersion, reconnect }) =>
      hooks.connected({ authLevel, daemonVersion, reconnect }),
    );
    client.on('disconnected', (reason) => hooks.disconnected(reason));
  }

  get authLevel(): number | undefined {
    return this.client.authLevel;
  }

  callMany(requests: readonly RpcRequest[], options: { readonly signal?: AbortSignal }): Promise<Settled<unknown>[]> {
    return this.client.callMany(requests, options);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
