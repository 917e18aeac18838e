/**
 * A daemon reached through its Web UI. The Web UI holds ONE daemon connection shared by every
 * browser, so the exporter never switches a connected Web UI: before each bundle it checks
 * `web.connected` (proxied calls hang while the Web UI is connected to none) and, with a configured
 * `daemon`, that the connected host is that one; a Web UI connected to none is connected to the
 * configured daemon, or to the only host of its list. Every `core.*` call is proxied as it is;
 * `daemon.info` (not proxied) is asked as `daemon.get_version`, which answers the same string. Events
 * come from the Web UI's event queue, drained beside every scrape.
 */
import { formatHostPort } from '../config/host-port.js';
import type { RencodeInput, RencodeValue, RpcRequest, Settled } from '../rpc/index.js';
import { shortenForLog } from '../rpc/shorten.js';
import {
  WebUiAnswerShapeError,
  type WebUiCall,
  type WebUiClient,
  WebUiDaemonChoiceError,
  WebUiDaemonConnectError,
} from '../webui/index.js';
import type { DaemonTransport, TransportHooks } from './transport.js';

/** A call the Web UI's JSON-RPC cannot carry (it has no keyword arguments). */
export class WebUiUnsupportedCallError extends Error {
  override readonly name = 'WebUiUnsupportedCallError';
  readonly code = 'WEBUI_ERR_UNSUPPORTED_CALL';
}

export interface WebUiTransportOptions {
  readonly client: WebUiClient;
  /** The daemon the Web UI must be connected to; any (or the only one) when absent. */
  readonly daemon: { readonly host: string; readonly port: number } | undefined;
  /** Event names to register for (`web.register_event_listener`). */
  readonly eventInterest: readonly string[];
  readonly hooks: TransportHooks;
}

/** One line of `web.get_hosts`: `[id, host, port, username]`. */
interface WebUiHost {
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
}

/** Methods the Web UI does not proxy, asked under the name that answers the same. */
const WEB_UI_METHOD: Readonly<Record<string, string>> = { 'daemon.info': 'daemon.get_version' };
/** Hosts named in an error message at most. */
const MAX_LISTED_HOSTS = 10;
/** Auth levels of Deluge's standard accounts. */
const ADMIN = 10;
const NORMAL = 5;

/** A request's arguments as JSON values (maps as objects, big integers as numbers). */
function jsonValue(value: RencodeInput): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([key, item]) => [String(key), jsonValue(item as RencodeInput)]));
  }
  if (Array.isArray(value)) return value.map((item: RencodeInput) => jsonValue(item));
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).filter(([, item]) => item !== undefined);
    return Object.fromEntries(entries.map(([key, item]) => [key, jsonValue(item as RencodeInput)]));
  }
  return value;
}

function asHosts(value: unknown): WebUiHost[] {
  const valid =
    Array.isArray(value) &&
    value.every(
      (row) =>
        Array.isArray(row) &&
        typeof row[0] === 'string' &&
        typeof row[1] === 'string' &&
        typeof row[2] === 'number' &&
        typeof row[3] === 'string',
    );
  if (!valid) throw new WebUiAnswerShapeError('web.get_hosts did not answer a list of [id, host, port, user]');
  return (value as [string, string, number, string][]).map(([id, host, port, username]) => ({
    id,
    host,
    port,
    username,
  }));
}

function hostText(host: WebUiHost): string {
  return `${formatHostPort(shortenForLog(host.host, 100), host.port)} (user ${JSON.stringify(shortenForLog(host.username, 40))})`;
}

function hostListText(hosts: readonly WebUiHost[]): string {
  const shown = hosts.slice(0, MAX_LISTED_HOSTS).map(hostText).join(', ');
  return hosts.length > MAX_LISTED_HOSTS ? `${shown}, … ${hosts.length - MAX_LISTED_HOSTS} more` : shown;
}

export class WebUiTransport implements DaemonTransport {
  readonly kind = 'webui' as const;
  readonly #client: WebUiClient;
  readonly #options: WebUiTransportOptions;
  readonly #closing = new AbortController();
  /** The daemon answered through the Web UI at the last check. */
  #reached = false;
  #everReached = false;
  #authLevel: number | undefined;
  /** The host-list line of the daemon the Web UI is connected to, when the checks found out. */
  #host: WebUiHost | undefined;
  #draining = false;
  /** The login (session) the event listeners were registered in; -1 before the first registration. */
  #registeredForLogin = -1;

  constructor(options: WebUiTransportOptions) {
    this.#client = options.client;
    this.#options = options;
  }

  get authLevel(): number | undefined {
    return this.#reached ? this.#authLevel : undefined;
  }

  async callMany(
    requests: readonly RpcRequest[],
    options: { readonly signal?: AbortSignal },
  ): Promise<Settled<unknown>[]> {
    const { signal } = options;
    await this.#reachDaemon(signal);
    const results: Settled<unknown>[] = new Array(requests.length);
    const calls: WebUiCall[] = [];
    const at: number[] = [];
    requests.forEach((request, index) => {
      if (request.kwargs !== undefined && Object.keys(request.kwargs).length > 0) {
        results[index] = {
          ok: false,
          error: new WebUiUnsupportedCallError(`${request.method}: the Web UI cannot pass keyword arguments`),
        };
        return;
      }
      at.push(index);
      calls.push({
        method: WEB_UI_METHOD[request.method] ?? request.method,
        params: request.args.map((arg) => jsonValue(arg)),
      });
    });
    const answers = await this.#client.callMany(calls, { signal });
    answers.forEach((answer, i) => {
      results[at[i] as number] = answer;
    });
    return results;
  }

  async close(): Promise<void> {
    this.#closing.abort();
    await this.#client.close();
    if (this.#reached) this.#options.hooks.disconnected(undefined);
    this.#reached = false;
  }

  /**
   * Makes sure the Web UI is connected to the daemon to read, by the rules above.
   * @throws WebUiDaemonChoiceError, or the client's error when the Web UI cannot be asked
   */
  async #reachDaemon(signal: AbortSignal | undefined): Promise<void> {
    try {
      const connected = await this.#client.call<unknown>('web.connected', [], { signal });
      if (typeof connected !== 'boolean') throw new WebUiAnswerShapeError('web.connected did not answer true or false');
      const fresh = !connected || !this.#reached;
      if (fresh) this.#host = undefined;
      if (!connected) await this.#connect(signal);
      else if (this.#options.daemon !== undefined) await this.#checkConnectedHost(this.#options.daemon, signal);
      if (fresh) await this.#learnFacts(signal);
      this.#reached = true;
      this.#drainEvents();
    } catch (error) {
      if (this.#reached) this.#options.hooks.disconnected(error instanceof Error ? error : new Error(String(error)));
      this.#reached = false;
      this.#host = undefined;
      throw error;
    }
  }

  async #hosts(signal: AbortSignal | undefined): Promise<WebUiHost[]> {
    return asHosts(await this.#client.call('web.get_hosts', [], { signal }));
  }

  #matching(hosts: readonly WebUiHost[], daemon: { readonly host: string; readonly port: number }): WebUiHost[] {
    return hosts.filter((host) => host.port === daemon.port && host.host.toLowerCase() === daemon.host.toLowerCase());
  }

  /** Connects a Web UI that is connected to no daemon: to the configured one, or to its only host. */
  async #connect(signal: AbortSignal | undefined): Promise<void> {
    const { daemon } = this.#options;
    const hosts = await this.#hosts(signal);
    let target: WebUiHost | undefined;
    if (daemon !== undefined) {
      target = this.#matching(hosts, daemon)[0];
      if (target === undefined) {
        throw new WebUiDaemonChoiceError(
          `the Web UI is connected to no daemon and its host list has no ${formatHostPort(daemon.host, daemon.port)} ` +
            `(it lists ${hosts.length === 0 ? 'none' : hostListText(hosts)}): add it in the Web UI's Connection Manager`,
        );
      }
    } else if (hosts.length === 1) {
      target = hosts[0];
    } else {
      throw new WebUiDaemonChoiceError(
        hosts.length === 0
          ? "the Web UI is connected to no daemon and its host list is empty: add the daemon in the Web UI's Connection Manager"
          : `the Web UI is connected to no daemon and lists several (${hostListText(hosts)}): set web.daemon to the one to read`,
      );
    }
    const host = target as WebUiHost;
    await this.#client.call('web.connect', [host.id], { signal });
    if ((await this.#client.call<unknown>('web.connected', [], { signal })) !== true) {
      throw new WebUiDaemonConnectError(
        `the Web UI could not connect to daemon ${hostText(host)}: is the daemon running, and is the account in the Web UI's host list right?`,
      );
    }
    this.#host = host;
  }

  /**
   * With a configured daemon: the host the Web UI is connected to must be it (never switched). The
   * host found at the last check is asked first, so a steady scrape costs one status call, not the
   * host list as well.
   */
  async #checkConnectedHost(
    daemon: { readonly host: string; readonly port: number },
    signal: AbortSignal | undefined,
  ): Promise<void> {
    if (this.#host !== undefined && (await this.#isConnectedTo(this.#host, signal))) return;
    for (const host of this.#matching(await this.#hosts(signal), daemon)) {
      if (await this.#isConnectedTo(host, signal)) {
        this.#host = host;
        return;
      }
    }
    throw new WebUiDaemonChoiceError(
      `the Web UI is connected to another daemon than web.daemon ${formatHostPort(daemon.host, daemon.port)}; ` +
        "not switching it (every Web UI user would be switched): connect it to that daemon in the Web UI's " +
        'Connection Manager, or change web.daemon',
    );
  }

  async #isConnectedTo(host: WebUiHost, signal: AbortSignal | undefined): Promise<boolean> {
    const status = await this.#client.call<unknown>('web.get_host_status', [host.id], { signal });
    return Array.isArray(status) && status[1] === 'Connected';
  }

  /**
   * The daemon the Web UI is connected to, as `host:port (user "name")`, for people (--check-daemons):
   * asks every host of the list until one says "Connected" unless a check already found it.
   */
  async connectedDaemon(signal: AbortSignal | undefined): Promise<string | undefined> {
    if (this.#host !== undefined) return hostText(this.#host);
    for (const host of await this.#hosts(signal)) {
      if (await this.#isConnectedTo(host, signal)) return hostText(host);
    }
    return undefined;
  }

  /** The daemon's version and what the Web UI's account may do, once per (re)connection. */
  async #learnFacts(signal: AbortSignal | undefined): Promise<void> {
    const [version, admin] = await this.#client.callMany(
      [
        { method: 'daemon.get_version', params: [] },
        { method: 'daemon.authorized_call', params: ['core.get_known_accounts'] },
      ],
      { signal },
    );
    // authorized_call needs a normal account itself: failing, the level is below NORMAL and not known.
    this.#authLevel = admin?.ok === true ? (admin.value === true ? ADMIN : NORMAL) : undefined;
    const daemonVersion = version?.ok === true && typeof version.value === 'string' ? version.value : '';
    this.#options.hooks.connected({ daemonVersion, authLevel: this.#authLevel, reconnect: this.#everReached });
    this.#everReached = true;
  }

  /**
   * Starts one drain of the Web UI's event queue unless one is under way. `web.get_events` answers at
   * once when events are queued, else waits up to 5 s: so it goes out beside the scrape, on its own
   * connection, never inside a bundle. Events wait in the Web UI's queue between scrapes (none is
   * lost); a new session (after a new login) registers its listeners again.
   */
  #drainEvents(): void {
    if (this.#draining || this.#options.eventInterest.length === 0 || this.#closing.signal.aborted) return;
    this.#draining = true;
    this.#drain()
      .catch(() => undefined)
      .finally(() => {
        this.#draining = false;
      });
  }

  async #drain(): Promise<void> {
    const signal = this.#closing.signal;
    if (this.#registeredForLogin !== this.#client.logins) {
      for (const name of this.#options.eventInterest) {
        await this.#client.call('web.register_event_listener', [name], { signal, poll: true });
      }
      // The registrations belong to the session they went out in (a login they caused included).
      this.#registeredForLogin = this.#client.logins;
    }
    const events = await this.#client.call<unknown>('web.get_events', [], { signal, poll: true });
    if (!Array.isArray(events)) return;
    for (const event of events) {
      if (Array.isArray(event) && typeof event[0] === 'string' && Array.isArray(event[1])) {
        this.#options.hooks.event({ name: event[0], args: event[1] as RencodeValue[] });
      }
    }
  }
}
