import type { Logger } from 'pino';
import { daemonSecrets } from '../config/daemon-access.js';
import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import type { ExporterMetrics } from '../exporter/metrics.js';
import { AuthLevel } from '../rpc/api.js';
import { EncodedRencode } from '../rpc/rencode.js';
import { shortenForLog } from '../rpc/shorten.js';
import type { RpcRequest, Settled } from '../rpc/types.js';
import { describeFailure, type FailureDescription } from '../text/describe-failure.js';
import { type ClientFactory, createTransport, type WebUiClientFactory } from '../transport/create.js';
import type { DaemonTransport } from '../transport/transport.js';
import { buildBundle, joinAnswers, routeAnswers } from './bundle.js';
import type { Answers, Collector, CollectorContext, Requests } from './collector.js';
import { enabledCollectors } from './collectors.js';
import { deriveFamilies } from './derive.js';
import { classifyEvent, eventFamily, SUBSCRIBED_EVENTS, type TorrentEventCounter } from './events.js';
import { errorField, FailureLog } from './failure-log.js';
import { healthFamilies } from './health.js';
import { type MetricFamily, sampleCount } from './types.js';

export type { ClientFactory, WebUiClientFactory } from '../transport/create.js';

export interface DaemonSessionOptions {
  readonly daemon: DaemonConfig;
  readonly config: ExporterConfig;
  readonly logger: Logger;
  readonly exporterMetrics: ExporterMetrics;
  readonly clientFactory?: ClientFactory;
  readonly webUiClientFactory?: WebUiClientFactory;
  /** Default: the collectors `config` enables. */
  readonly collectors?: readonly Collector<unknown>[];
  /** Clock in milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

/** The last known state of one daemon, for the landing page. */
export interface DaemonStatus {
  readonly name: string;
  /** Outcome of the last scrape; `undefined` before the first one. */
  readonly up: boolean | undefined;
  /** When `up` last changed (ms since the epoch). */
  readonly sinceMs: number | undefined;
  readonly lastScrapeMs: number | undefined;
  readonly authLevel: number | undefined;
  readonly torrentCount: number | undefined;
  readonly daemonVersion: string | undefined;
  readonly libtorrentVersion: string | undefined;
  /** The last failure of a scrape or collector: its error class, and in words what happened and what to check. */
  readonly lastError: (FailureDescription & { readonly type: string; readonly atMs: number }) | undefined;
}

/** One step of a scrape, for `/probe?debug=true`. Daemon-supplied text in it is already cut short. */
export type TraceEntry =
  | { readonly kind: 'joined'; readonly atMs: number }
  | {
      readonly kind: 'bundle';
      readonly step: 'status' | 'follow-up';
      readonly atMs: number;
      readonly calls: readonly { readonly method: string; readonly args: string }[];
    }
  | {
      readonly kind: 'answers';
      readonly step: 'status' | 'follow-up';
      readonly atMs: number;
      /** Per call: success, and the size of the answer (entries of a dict or list, characters of a string). */
      readonly results: readonly { readonly method: string; readonly ok: boolean; readonly size: number }[];
    }
  | {
      readonly kind: 'collector';
      readonly atMs: number;
      readonly collector: string;
      readonly ok: boolean;
      readonly problems: readonly string[];
      readonly families: readonly { readonly name: string; readonly samples: number }[];
    }
  | { readonly kind: 'failed'; readonly atMs: number; readonly error: string }
  | { readonly kind: 'deadline'; readonly atMs: number; readonly seconds: number };

/** Receives the trace of one scrape of one daemon. */
export interface ScrapeTracer {
  record(daemon: string, entry: TraceEntry): void;
}

/** What one status fetch produced: the collectors' families and successes, or the failure of the whole fetch. */
interface FetchResult {
  readonly families: readonly MetricFamily[];
  readonly collectorSuccess: Readonly<Record<string, boolean>>;
  readonly up: boolean;
}

/** A status fetch in flight; scrapes that find one join it (each with its own deadline). */
interface Fetch {
  readonly result: Promise<FetchResult>;
  readonly tracers: Set<ScrapeTracer>;
  readonly log: TraceEntry[];
}

/** Sent instead of a result when a scrape's own deadline passes first. */
const DEADLINE = Symbol('deadline');

/** A scrape that ended at its deadline while the status bundle was still being answered. */
export class ScrapeDeadlineError extends Error {
  override readonly name = 'ScrapeDeadlineError';
  readonly kind = 'timeout';
  constructor(readonly seconds: number) {
    super(`no answer within the scrape deadline of ${seconds} s`);
  }
}

function answerSize(value: unknown): number {
  if (value instanceof EncodedRencode) return value.size;
  if (typeof value === 'string' || Array.isArray(value)) return value.length;
  if (value instanceof Map) return value.size;
  if (typeof value === 'object' && value !== null) return Object.keys(value).length;
  return 1;
}

/**
 * One configured daemon: a persistent, logged-in client, the event counters, each collector's state
 * between scrapes, and at most one status fetch in flight. Concurrent scrapes (`/metrics`, `/probe`)
 * join the fetch in flight, each with its own deadline; a deadline ends the scrape, not the fetch.
 */
export class DaemonSession {
  readonly name: string;
  readonly #options: DaemonSessionOptions;
  readonly #client: DaemonTransport;
  readonly #logger: Logger;
  readonly #failures: FailureLog;
  readonly #collectors: readonly Collector<unknown>[];
  readonly #states = new Map<string, unknown>();
  readonly #eventCounts: Record<TorrentEventCounter, number> = {
    added: 0,
    removed: 0,
    finished: 0,
    errored: 0,
    state_changed: 0,
  };
  #inFlight: Fetch | undefined;
  #status: DaemonStatus;
  #warnedAuthLevel: number | undefined;

  constructor(options: DaemonSessionOptions) {
    const { daemon, config, exporterMetrics } = options;
    this.#options = options;
    this.name = daemon.name;
    this.#logger = options.logger.child({ daemon: daemon.name });
    this.#failures = new FailureLog(this.#logger);
    this.#collectors = options.collectors ?? enabledCollectors(config);
    for (const collector of this.#collectors) this.#states.set(collector.name, collector.initialState);
    this.#status = {
      name: daemon.name,
      up: undefined,
      sinceMs: undefined,
      lastScrapeMs: undefined,
      authLevel: undefined,
      torrentCount: undefined,
      daemonVersion: undefined,
      libtorrentVersion: undefined,
      lastError: undefined,
    };
    this.#client = createTransport(daemon, config, {
      eventInterest: SUBSCRIBED_EVENTS,
      instrumentation: exporterMetrics.instrumentationFor(daemon.name),
      clientFactory: options.clientFactory,
      webUiClientFactory: options.webUiClientFactory,
      hooks: {
        event: (event) => {
          for (const counter of classifyEvent(event)) this.#eventCounts[counter] += 1;
        },
        connected: ({ authLevel, daemonVersion, reconnect }) => this.#connected(authLevel, daemonVersion, reconnect),
        disconnected: (reason) => {
          if (reason !== undefined) this.#logger.debug({ error: errorField(reason) }, 'connection to daemon lost');
        },
      },
    });
  }

  /** The daemon's last known state. */
  get status(): DaemonStatus {
    return this.#status;
  }

  /**
   * Scrapes the daemon within `deadlineSeconds`; never rejects. A status bundle is sent only when
   * none is outstanding; a scrape that finds one joins it (`deluge_exporter_scrapes_coalesced_total`)
   * and waits for it until its OWN deadline. Past the deadline the scrape reports the daemon down,
   * and the fetch goes on for the next scrape to join.
   */
  async scrape(deadlineSeconds: number, tracer?: ScrapeTracer): Promise<MetricFamily[]> {
    const now = this.#options.now ?? Date.now;
    const startedMs = now();
    let fetch = this.#inFlight;
    if (fetch === undefined) {
      fetch = this.#startFetch();
    } else {
      this.#options.exporterMetrics.scrapeCoalesced();
      tracer?.record(this.name, { kind: 'joined', atMs: startedMs });
    }
    if (tracer !== undefined) {
      for (const entry of fetch.log) tracer.record(this.name, entry);
      fetch.tracers.add(tracer);
    }
    const deadlineMs = Math.max(1, Math.round(deadlineSeconds * 1000));
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      fetch.result,
      new Promise<typeof DEADLINE>((resolve) => {
        timer = setTimeout(() => resolve(DEADLINE), deadlineMs);
      }),
    ]);
    clearTimeout(timer);
    if (tracer !== undefined) fetch.tracers.delete(tracer);
    if (outcome === DEADLINE) {
      const error = new ScrapeDeadlineError(deadlineSeconds);
      tracer?.record(this.name, { kind: 'deadline', atMs: now(), seconds: deadlineSeconds });
      this.#failures.daemonFailed(error);
      this.#noteUp(false, now(), error);
    }
    const result = outcome === DEADLINE ? this.#downResult() : outcome;
    return [
      ...healthFamilies({
        daemon: this.name,
        up: result.up,
        durationSeconds: (now() - startedMs) / 1000,
        collectorSuccess: result.collectorSuccess,
        authLevel: result.up ? this.#client.authLevel : undefined,
        transport: this.#client.kind,
      }),
      ...result.families,
      eventFamily(this.name, this.#eventCounts),
    ];
  }

  close(): Promise<void> {
    return this.#client.close();
  }

  #connected(authLevel: number | undefined, daemonVersion: string, reconnect: boolean): void {
    // While a failure streak lasts (a flapping daemon), reconnects are not news.
    const level = this.#failures.failing ? 'debug' : 'info';
    this.#logger[level](
      { auth_level: authLevel, version: shortenForLog(daemonVersion, 100), reconnect },
      'connected to daemon',
    );
    if (
      authLevel !== undefined &&
      authLevel < AuthLevel.ADMIN &&
      !(this.#failures.failing && this.#warnedAuthLevel === authLevel)
    ) {
      this.#warnedAuthLevel = authLevel;
      this.#logger.warn(
        { auth_level: authLevel },
        "account is not admin (level 10): Deluge hides other users' torrents, so torrent counts and sizes cover only this account's torrents",
      );
    }
  }

  #downResult(): FetchResult {
    return {
      families: [],
      collectorSuccess: Object.fromEntries(this.#collectors.map((collector) => [collector.name, false])),
      up: false,
    };
  }

  #startFetch(): Fetch {
    const tracers = new Set<ScrapeTracer>();
    const log: TraceEntry[] = [];
    const trace = (entry: TraceEntry) => {
      log.push(entry);
      for (const tracer of tracers) tracer.record(this.name, entry);
    };
    const fetch: Fetch = {
      tracers,
      log,
      result: this.#fetch(trace).finally(() => {
        if (this.#inFlight === fetch) this.#inFlight = undefined;
      }),
    };
    this.#inFlight = fetch;
    return fetch;
  }

  /**
   * Sends the collectors' status bundle and, when any collector asks for one, ONE follow-up bundle;
   * hands each collector its answers; checks what it derived. Never rejects.
   */
  async #fetch(trace: (entry: TraceEntry) => void): Promise<FetchResult> {
    const now = this.#options.now ?? Date.now;
    const { config } = this.#options;
    const ctx: CollectorContext = { daemon: this.name, scrapeTimeSeconds: now() / 1000, config };
    // The fetch outlives a short scrape deadline; it ends at the daemon's configured timeout at the latest.
    const signal = AbortSignal.timeout(Math.max(1, Math.round(this.#options.daemon.timeoutSeconds * 1000)));
    const received: Settled<unknown>[] = [];
    try {
      return await this.#fetchBundles(ctx, signal, received, trace);
    } finally {
      // Every answer has been read: answers kept encoded give their memory back now, not at V8's next full collection.
      for (const settled of received)
        if (settled.ok && settled.value instanceof EncodedRencode) settled.value.release();
    }
  }

  /** {@link #fetch}'s bundles and collectors; every answer it receives is added to `received`. */
  async #fetchBundles(
    ctx: CollectorContext,
    signal: AbortSignal,
    received: Settled<unknown>[],
    trace: (entry: TraceEntry) => void,
  ): Promise<FetchResult> {
    const now = this.#options.now ?? Date.now;
    const send = async (step: 'status' | 'follow-up', perCollector: ReadonlyMap<string, Requests>) => {
      const bundle = buildBundle(perCollector);
      trace({ kind: 'bundle', step, atMs: now(), calls: bundle.requests.map(describeCall) });
      const results: Settled<unknown>[] = await this.#client.callMany(bundle.requests, { signal });
      received.push(...results);
      trace({
        kind: 'answers',
        step,
        atMs: now(),
        results: results.map((settled, index) => ({
          method: bundle.requests[index]?.method ?? '?',
          ok: settled.ok,
          size: settled.ok ? answerSize(settled.value) : 0,
        })),
      });
      return routeAnswers(bundle, results);
    };

    let first: ReadonlyMap<string, Answers>;
    try {
      first = await send(
        'status',
        new Map(this.#collectors.map((c) => [c.name, c.requests(ctx, this.#states.get(c.name))])),
      );
    } catch (error) {
      trace({
        kind: 'failed',
        atMs: now(),
        error: shortenForLog(error instanceof Error ? error.message : String(error)),
      });
      this.#failures.daemonFailed(error);
      this.#noteUp(false, now(), error);
      return this.#downResult();
    }

    const followUps = new Map<string, Requests>();
    for (const collector of this.#collectors) {
      const requests = collector.followUp?.(
        first.get(collector.name) ?? new Map(),
        ctx,
        this.#states.get(collector.name),
      );
      if (requests !== undefined && Object.keys(requests).length > 0) followUps.set(collector.name, requests);
    }
    let second: ReadonlyMap<string, Answers> = new Map();
    if (followUps.size > 0) {
      try {
        second = await send('follow-up', followUps);
      } catch (error) {
        // The status bundle answered: a lost follow-up fails only the collectors that asked for it.
        const err = error instanceof Error ? error : new Error(String(error));
        second = new Map(
          [...followUps].map(([name, requests]) => [
            name,
            new Map(Object.keys(requests).map((key) => [key, { ok: false, error: err } as const])),
          ]),
        );
      }
    }
    return this.#collect(ctx, first, second, trace);
  }

  #collect(
    ctx: CollectorContext,
    first: ReadonlyMap<string, Answers>,
    second: ReadonlyMap<string, Answers>,
    trace: (entry: TraceEntry) => void,
  ): FetchResult {
    const now = this.#options.now ?? Date.now;
    const answers = new Map(
      this.#collectors.map((c) => [c.name, joinAnswers(first.get(c.name), second.get(c.name))] as const),
    );
    const derived = deriveFamilies(this.#collectors, this.#states, answers, ctx);
    for (const [name, state] of derived.states) this.#states.set(name, state);
    for (const outcome of derived.outcomes) {
      for (const [reason, count] of Object.entries(outcome.skipped)) {
        this.#options.exporterMetrics.itemsSkipped(this.name, outcome.collector, reason, count);
      }
      trace({
        kind: 'collector',
        atMs: now(),
        collector: outcome.collector,
        ok: outcome.ok,
        problems: outcome.problems.map((problem) => shortenForLog(problem.message)),
        families: outcome.derived.map((family) => ({
          name: shortenForLog(family.name, 200),
          samples: sampleCount(family),
        })),
      });
    }
    const { up, problems, facts } = derived;
    if (up) this.#failures.daemonAnswered(problems);
    else {
      const required = problems.find((problem) => this.#isRequired(problem.collector)) ?? problems[0];
      this.#failures.daemonFailed(required?.error ?? required?.message, problems);
    }
    const [problem] = problems;
    this.#noteUp(up, now(), problem === undefined ? undefined : (problem.error ?? new Error(problem.message)));
    this.#status = {
      ...this.#status,
      ...facts,
      ...(facts.daemonVersion === undefined ? {} : { daemonVersion: shortenForLog(facts.daemonVersion, 100) }),
      ...(facts.libtorrentVersion === undefined
        ? {}
        : { libtorrentVersion: shortenForLog(facts.libtorrentVersion, 100) }),
      authLevel: this.#client.authLevel,
    };
    return { families: [...derived.families], collectorSuccess: derived.collectorSuccess, up };
  }

  #isRequired(collector: string): boolean {
    return this.#collectors.some((c) => c.name === collector && c.required);
  }

  #noteUp(up: boolean, atMs: number, error: unknown): void {
    const previous = this.#status;
    this.#status = {
      ...previous,
      up,
      sinceMs: previous.up === up ? previous.sinceMs : atMs,
      lastScrapeMs: atMs,
      lastError:
        error === undefined
          ? previous.lastError
          : {
              type: errorField(error).type,
              ...describeFailure(error, daemonSecrets(this.#options.daemon)),
              atMs,
            },
    };
  }
}

function describeCall(request: RpcRequest): { method: string; args: string } {
  return { method: request.method, args: shortenForLog(JSON.stringify(request.args), 200) };
}
