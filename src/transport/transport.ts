/**
 * The one interface a daemon session talks to, however the daemon is reached: its RPC port
 * (`RpcTransport`) or its Web UI (`WebUiTransport`). Requests and answers are the RPC client's
 * (`RpcRequest`, `Settled`), so collectors, bundling by name and deadlines do not know the way in.
 */
import type { DelugeEvent, RpcRequest, Settled } from '../rpc/types.js';

/** How a daemon is reached; the value of the `transport` label. */
export type TransportKind = 'rpc' | 'webui';

/** What the session hears from a transport besides answers. */
export interface TransportHooks {
  /** A daemon event the transport subscribed to. */
  event(event: DelugeEvent): void;
  /** The transport reached the daemon (again): its version, and the account's auth level when known. */
  connected(info: {
    readonly daemonVersion: string;
    readonly authLevel: number | undefined;
    readonly reconnect: boolean;
  }): void;
  /** The way to the daemon broke; `reason` is undefined when the transport itself was closed. */
  disconnected(reason: Error | undefined): void;
}

export interface DaemonTransport {
  readonly kind: TransportKind;
  /** The account's auth level, when known (the Web UI way: the standard level whose rights it has). */
  readonly authLevel: number | undefined;
  /**
   * Sends every request at once; each result settles on its own, in order. Rejects (the whole bundle
   * failed) when the daemon cannot be reached at all.
   */
  callMany(requests: readonly RpcRequest[], options: { readonly signal?: AbortSignal }): Promise<Settled<unknown>[]>;
  close(): Promise<void>;
}
