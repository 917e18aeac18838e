import type { ExporterConfig } from '../config/types.js';
import { requests } from '../rpc/api.js';
import type { RpcRequest, Settled } from '../rpc/types.js';
import { DISK_CONFIG_KEYS, DISK_TORRENT_KEYS, diskPaths, type FreeSpaceAnswer, freeSpace } from './disk.js';
import { infoFamily } from './info.js';
import { LIBTORRENT_METRIC_TYPES } from './libtorrent-metric-types.js';
import { type PerTorrentSelection, perTorrentFamilies, perTorrentKeys, selectPerTorrent } from './per-torrent.js';
import { libtorrentFamilies, sessionFamilies, sessionStatusKeys } from './session.js';
import { configFamilies, pluginFamily, SETTINGS_CONFIG_KEYS, sessionPausedFamily } from './settings.js';
import { AGGREGATE_TORRENT_KEYS, parseTorrents, type TorrentEntry, torrentAggregateFamilies } from './torrents.js';
import type { MetricFamily } from './types.js';
import { asRecord } from './values.js';

/** What one daemon's scrapes carry from one scrape to the next. */
export interface DaemonMemory {
  /** Directories whose free space the last scrape exported; queried up front in the next bundle. */
  readonly knownSavePaths: readonly string[];
  /** Paths already reported as invalid (−1) in the current streak; reported again only after a recovery. */
  readonly reportedInvalidPaths: ReadonlySet<string>;
  /**
   * The last scrape exported no per-torrent series (over the cap): the next one asks only for the keys
   * the aggregates need, which is much less work for the daemon and for decoding.
   */
  readonly perTorrentCapped: boolean;
}

/** Memory of a daemon that was never scraped. */
export const initialMemory: DaemonMemory = {
  knownSavePaths: [],
  reportedInvalidPaths: new Set(),
  perTorrentCapped: false,
};

/** The daemon being scraped, the scrape time (seconds since the epoch) and the configuration. */
export interface ScrapeContext {
  readonly daemon: string;
  readonly scrapeTimeSeconds: number;
  readonly config: ExporterConfig;
}

/** Sends one bundle of requests in ONE message; rejects only on connection-level failures or the deadline. */
export type CallMany = (requests: readonly RpcRequest[]) => Promise<Settled<unknown>[]>;

/** Something that went wrong in a scrape, for the caller to log. */
export interface ScrapeProblem {
  readonly collector: string;
  readonly method?: string;
  readonly error?: Error;
  readonly message: string;
}

/** The outcome of scraping one daemon. */
export interface DaemonScrapeResult {
  /** Session, settings, torrent, per-torrent, disk and info families (not the health or event families). */
  families: MetricFamily[];
  /** Per collector (`session`, `settings`, `torrents`, `disk`, `info`): did it succeed. */
  collectorSuccess: Record<string, boolean>;
  /** Every required call (session status, torrents status) succeeded. */
  requiredOk: boolean;
  problems: ScrapeProblem[];
  memory: DaemonMemory;
  torrentCount: number;
}

/** Config keys the settings and disk collectors read, in one `core.get_config_values` call. */
export const CONFIG_KEYS: readonly string[] = [...new Set([...SETTINGS_CONFIG_KEYS, ...DISK_CONFIG_KEYS])];

/**
 * The torrent keys to request: exactly what the aggregate, disk and enabled per-torrent families read;
 * with `aggregatesOnly`, what the aggregates and disk read (they include the per-torrent filter keys
 * `state`, `label` and `tracker_host`, so the torrents can still be counted against the cap).
 */
export function torrentStatusKeys(config: ExporterConfig, aggregatesOnly = false): string[] {
  const perTorrent = aggregatesOnly ? [] : perTorrentKeys(config.perTorrent);
  return [...new Set([...AGGREGATE_TORRENT_KEYS, ...DISK_TORRENT_KEYS, ...perTorrent])].sort();
}

/** The status requests of a scrape, before any free-space request. */
export function statusRequests(config: ExporterConfig, aggregatesOnly = false) {
  return [
    requests.core.getSessionStatus(sessionStatusKeys(config.libtorrentStats)),
    requests.core.getTorrentsStatus({}, torrentStatusKeys(config, aggregatesOnly)),
    requests.core.getConfigValues(CONFIG_KEYS),
    requests.core.getEnabledPlugins(),
    requests.core.isSessionPaused(),
    requests.daemon.info(),
    requests.core.getLibtorrentVersion(),
  ] as const;
}

/** Thrown into a result slot the transport left empty (fewer answers than requests). */
export class MissingAnswerError extends Error {
  override readonly name = 'MissingAnswerError';
  readonly code = 'DELUGE_EXPORTER_MISSING_ANSWER';
  constructor(readonly method: string) {
    super(`no answer for ${method} in the bundle`);
  }
}

/** Collects families and successes; a collector fails when one of its calls or derivations fails. */
class ScrapeRecorder {
  readonly families: MetricFamily[] = [];
  readonly collectorSuccess: Record<string, boolean> = {};
  readonly problems: ScrapeProblem[] = [];

  /** Marks `collector` as failed (it stays failed for this scrape). */
  fail(collector: string, problem: Omit<ScrapeProblem, 'collector'>): void {
    this.collectorSuccess[collector] = false;
    this.problems.push({ collector, ...problem });
  }

  /** Runs a derivation; a thrown error fails the collector instead of the scrape. */
  derive(collector: string, method: string, build: () => MetricFamily[]): boolean {
    this.collectorSuccess[collector] ??= true;
    try {
      this.families.push(...build());
      return true;
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      this.fail(collector, { method, error: err, message: err.message });
      return false;
    }
  }

  /** The value of a settled call, or `undefined` after failing the collector. */
  value(collector: string, request: RpcRequest, result: Settled<unknown> | undefined): unknown {
    this.collectorSuccess[collector] ??= true;
    const settled = result ?? { ok: false, error: new MissingAnswerError(request.method) };
    if (settled.ok) return settled.value;
    this.fail(collector, { method: request.method, error: settled.error, message: settled.error.message });
    return undefined;
  }
}

/**
 * A follow-up bundle: a rejection (connection lost, deadline) fails each of its calls instead of
 * the scrape, since the first bundle already answered.
 */
async function callManyOrFail(callMany: CallMany, followUp: readonly RpcRequest[]): Promise<Settled<unknown>[]> {
  try {
    return await callMany(followUp);
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    return followUp.map(() => ({ ok: false, error: err }));
  }
}

/**
 * Scrapes one daemon: ONE bundle with every status call and the free space of the paths known from
 * `memory` and the config, then, only when the answers reveal paths not queried yet, ONE follow-up
 * bundle with their free space. Per-call failures fail their collector; a rejection of the first
 * bundle propagates (connection lost, deadline), a rejection of the follow-up fails only `disk`.
 */
export async function scrapeDaemon(
  callMany: CallMany,
  ctx: ScrapeContext,
  memory: DaemonMemory,
): Promise<DaemonScrapeResult> {
  const { daemon, config } = ctx;
  const aggregatesOnly = memory.perTorrentCapped && config.perTorrent.enabled;
  const status = statusRequests(config, aggregatesOnly);
  const [sessionRequest, torrentsRequest, configRequest, pluginsRequest, pausedRequest, infoRequest, ltRequest] =
    status;
  const queriedPaths = [...new Set([...memory.knownSavePaths, ...config.disk.extraPaths])];
  const freeSpaceRequests = queriedPaths.map((path) => requests.core.getFreeSpace(path));
  const results = await callMany([...status, ...freeSpaceRequests]);
  const recorder = new ScrapeRecorder();

  const infoVersion = recorder.value('info', infoRequest, results[5]);
  const ltVersion = recorder.value('info', ltRequest, results[6]);
  if (recorder.collectorSuccess.info) {
    recorder.derive('info', ltRequest.method, () => [infoFamily(infoVersion, ltVersion, daemon)]);
  }

  const sessionStatus = recorder.value('session', sessionRequest, results[0]);
  const sessionOk =
    recorder.collectorSuccess.session === true &&
    recorder.derive('session', sessionRequest.method, () => [
      ...sessionFamilies(sessionStatus, daemon),
      ...(config.libtorrentStats ? libtorrentFamilies(sessionStatus, daemon, LIBTORRENT_METRIC_TYPES) : []),
    ]);

  const configValues = recorder.value('settings', configRequest, results[2]);
  const plugins = recorder.value('settings', pluginsRequest, results[3]);
  const paused = recorder.value('settings', pausedRequest, results[4]);
  if (configValues !== undefined) {
    recorder.derive('settings', configRequest.method, () => configFamilies(configValues, daemon));
  }
  if (plugins !== undefined) recorder.derive('settings', pluginsRequest.method, () => [pluginFamily(plugins, daemon)]);
  if (paused !== undefined)
    recorder.derive('settings', pausedRequest.method, () => [sessionPausedFamily(paused, daemon)]);

  let torrents: TorrentEntry[] | undefined;
  let selection: PerTorrentSelection | undefined;
  const torrentsAnswer = recorder.value('torrents', torrentsRequest, results[1]);
  if (recorder.collectorSuccess.torrents) {
    recorder.derive('torrents', torrentsRequest.method, () => {
      torrents = parseTorrents(torrentsAnswer);
      selection = selectPerTorrent(torrents, config.perTorrent);
      return torrentAggregateFamilies(torrents, daemon, config.stallWindowSeconds);
    });
  }
  if (aggregatesOnly && selection !== undefined && !selection.capped) {
    // Asked for aggregate keys only, but the torrents now fit under the cap: fetch what per-torrent series need.
    const fullRequest = requests.core.getTorrentsStatus({}, torrentStatusKeys(config));
    const full = await callManyOrFail(callMany, [fullRequest]);
    const fullAnswer = recorder.value('torrents', fullRequest, full[0]);
    selection = undefined;
    if (recorder.collectorSuccess.torrents) {
      recorder.derive('torrents', fullRequest.method, () => {
        selection = selectPerTorrent(parseTorrents(fullAnswer), config.perTorrent);
        return [];
      });
    }
  }
  if (selection !== undefined) {
    const chosen = selection;
    recorder.derive('torrents', torrentsRequest.method, () =>
      perTorrentFamilies(chosen, daemon, config.perTorrent, ctx.scrapeTimeSeconds),
    );
  }

  const configRecord = asRecord(configValues);
  const discovered = diskPaths(configRecord, torrents, config.disk);
  // Without the config or the torrent list the picture is partial: keep the paths known so far.
  const wanted =
    configRecord === undefined || torrents === undefined
      ? [...new Set([...memory.knownSavePaths, ...discovered])]
      : discovered;
  const answers = new Map<string, Settled<unknown>>();
  queriedPaths.forEach((path, index) => {
    const result = results[status.length + index];
    answers.set(path, result ?? { ok: false, error: new MissingAnswerError(`core.get_free_space(${path})`) });
  });
  const newPaths = wanted.filter((path) => !answers.has(path));
  if (newPaths.length > 0) {
    const followUp = await callManyOrFail(
      callMany,
      newPaths.map((path) => requests.core.getFreeSpace(path)),
    );
    newPaths.forEach((path, index) => {
      const result = followUp[index];
      answers.set(path, result ?? { ok: false, error: new MissingAnswerError(`core.get_free_space(${path})`) });
    });
  }
  const disk = freeSpace(
    wanted.map((path): FreeSpaceAnswer => ({ path, result: answers.get(path) as Settled<unknown> })),
    daemon,
  );
  recorder.collectorSuccess.disk = true;
  recorder.families.push(disk.family);
  for (const { path, error } of disk.failures) {
    recorder.fail('disk', { method: 'core.get_free_space', error, message: `free space of ${path}: ${error.message}` });
  }
  for (const path of disk.invalidPaths) {
    recorder.collectorSuccess.disk = false;
    if (!memory.reportedInvalidPaths.has(path)) {
      recorder.problems.push({
        collector: 'disk',
        method: 'core.get_free_space',
        message: `daemon reports path ${path} as invalid (free space −1)`,
      });
    }
  }

  return {
    families: recorder.families,
    collectorSuccess: recorder.collectorSuccess,
    requiredOk: sessionOk && torrents !== undefined,
    problems: recorder.problems,
    memory: {
      knownSavePaths: wanted,
      reportedInvalidPaths: new Set(disk.invalidPaths),
      perTorrentCapped: selection?.capped ?? memory.perTorrentCapped,
    },
    torrentCount: torrents?.length ?? 0,
  };
}
