import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import { DelugeClient } from '../rpc/client.js';
import type { ClientInstrumentation, DelugeClientOptions } from '../rpc/types.js';
import { WebUiClient, type WebUiClientOptions } from '../webui/index.js';
import { daemonClientOptions, webUiClientOptions } from './client-options.js';
import { RpcTransport } from './rpc.js';
import type { DaemonTransport, TransportHooks } from './transport.js';
import { WebUiTransport } from './webui.js';

/** Makes the RPC client of one daemon; tests inject one that points elsewhere. */
export type ClientFactory = (options: DelugeClientOptions) => DelugeClient;
/** Makes the Web UI client of one daemon; tests inject one that points elsewhere. */
export type WebUiClientFactory = (options: WebUiClientOptions) => WebUiClient;

export interface CreateTransportOptions {
  readonly eventInterest: readonly string[];
  readonly instrumentation?: ClientInstrumentation;
  readonly hooks: TransportHooks;
  readonly clientFactory?: ClientFactory | undefined;
  readonly webUiClientFactory?: WebUiClientFactory | undefined;
}

/** The transport a configured daemon is reached by: its RPC port, or its Web UI. */
export function createTransport(
  daemon: DaemonConfig,
  config: ExporterConfig,
  options: CreateTransportOptions,
): DaemonTransport {
  const instrumentation = options.instrumentation === undefined ? {} : { instrumentation: options.instrumentation };
  if (daemon.transport === 'rpc') {
    const factory = options.clientFactory ?? ((clientOptions) => new DelugeClient(clientOptions));
    const client = factory({
      ...daemonClientOptions(daemon, config),
      eventInterest: options.eventInterest,
      ...instrumentation,
    });
    return new RpcTransport(client, options.hooks);
  }
  const factory = options.webUiClientFactory ?? ((clientOptions) => new WebUiClient(clientOptions));
  return new WebUiTransport({
    client: factory({ ...webUiClientOptions(daemon, config), ...instrumentation }),
    daemon: daemon.web.daemon,
    eventInterest: options.eventInterest,
    hooks: options.hooks,
  });
}
