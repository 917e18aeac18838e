import type { ExporterConfig } from '../config/types.js';
import type { RpcRequest, Settled } from '../rpc/types.js';
import type { MetricFamily } from './types.js';

/** The requests of one collector step, by the names its `collect` reads the answers under. */
export type Requests = Readonly<Record<string, RpcRequest>>;

/** The answers of one collector, by request name; every name the collector asked for is present. */
export type Answers = ReadonlyMap<string, Settled<unknown>>;

/** What a collector knows of the scrape besides the answers: the daemon, the scrape time, the config. */
export interface CollectorContext {
  readonly daemon: string;
  /** Seconds since the epoch, taken once when the status bundle is sent. */
  readonly scrapeTimeSeconds: number;
  readonly config: ExporterConfig;
}

/** Something that failed a collector in one scrape; the session adds the collector name and logs it. */
export interface Problem {
  readonly method?: string;
  readonly error?: Error;
  readonly message: string;
}

/** Facts for the daemon's status snapshot (landing page); each collector fills what it knows. */
export interface DaemonFacts {
  readonly torrentCount?: number;
  readonly daemonVersion?: string;
  readonly libtorrentVersion?: string;
}

/** What one collector derived from its answers. Any problem fails the collector for this scrape. */
export interface Collected<S> {
  readonly families: readonly MetricFamily[];
  readonly problems: readonly Problem[];
  /** What the next scrape's `requests` gets. */
  readonly state: S;
  /** Items of the answer left out on purpose, by reason (`deluge_exporter_skipped_items_total`). */
  readonly skipped?: Readonly<Record<string, number>>;
  readonly facts?: DaemonFacts;
}

/**
 * One concern of the exporter (session, torrents, disk, …): what it asks the daemon, and a pure
 * derivation from the answers to families. No I/O, no clock: the session sends the requests of all
 * enabled collectors in ONE bundle (identical calls once, key lists of key-list calls united) and
 * hands each collector its own answers by name. `S` is what one scrape tells the next (e.g. the
 * save paths seen), kept per daemon by the session.
 */
export interface Collector<S> {
  /** The `collector` label of `deluge_scrape_collector_success`. */
  readonly name: string;
  /** The daemon counts as up (`deluge_up` 1) only when every required collector succeeds. */
  readonly required: boolean;
  readonly initialState: S;
  /** Whether the collector runs with this config; absent = always. */
  enabled?(config: ExporterConfig): boolean;
  /** The status bundle's share of this collector. */
  requests(ctx: CollectorContext, state: S): Requests;
  /**
   * A second step, after the status bundle answered (e.g. the free space of save paths that only the
   * torrent list revealed). All collectors' follow-ups go out in one bundle, only when one is non-empty.
   * Its names must differ from the first step's.
   */
  followUp?(answers: Answers, ctx: CollectorContext, state: S): Requests;
  /** Derives families from the answers of both steps. Throws nothing on hostile answers: reports problems. */
  collect(answers: Answers, ctx: CollectorContext, state: S): Collected<S>;
}

/** A call the transport left without an answer (fewer answers than requests). */
export class MissingAnswerError extends Error {
  override readonly name = 'MissingAnswerError';
  readonly code = 'DELUGE_EXPORTER_MISSING_ANSWER';
  constructor(readonly method: string) {
    super(`no answer for ${method} in the bundle`);
  }
}

/** The answer named `name`, failing loudly when the collector reads a name it never asked for. */
export function answerOf(answers: Answers, name: string, method: string): Settled<unknown> {
  return answers.get(name) ?? { ok: false, error: new MissingAnswerError(method) };
}

/** The problem of a failed call. */
export function callProblem(method: string, error: Error): Problem {
  return { method, error, message: error.message };
}

/**
 * Runs `derive` on a successful answer: its families, or the call's failure or the derivation's
 * thrown error as a problem.
 */
export function deriveFrom(
  settled: Settled<unknown>,
  method: string,
  derive: (value: unknown) => readonly MetricFamily[],
): { families: readonly MetricFamily[]; problems: readonly Problem[] } {
  if (!settled.ok) return { families: [], problems: [callProblem(method, settled.error)] };
  try {
    return { families: derive(settled.value), problems: [] };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return { families: [], problems: [callProblem(method, err)] };
  }
}
