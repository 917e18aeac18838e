/**
 * Everything the aggregate families (torrents, trackers and disk collectors) read from one
 * `core.get_torrents_status` answer, reduced in one pass in wire order. The answer is either decoded
 * (then read entry by entry) or, while the exporter asks only for the aggregate keys, an
 * `EncodedRencode` visited without building a dict per torrent: both give the same summary.
 */
import type { ExporterConfig, PerTorrentConfig } from '../config/types.js';
import { EncodedRencode, visitDictOfDicts } from '../rpc/rencode.js';
import { UnexpectedAnswerError } from './errors.js';
import { matchesFilters } from './per-torrent.js';
import { isTorrentId, statusLabel, statusSavePath, statusTracker, type TorrentStatus } from './torrent-entries.js';
import { classifyTrackerStatus, TRACKER_ERROR_KINDS, type TrackerErrorKind } from './tracker-status.js';
import { asBoolean, asNumber, asRecord, asString } from './values.js';

const METHOD = 'core.get_torrents_status';

/** Torrent keys the `deluge_torrents*` aggregate families read (`label` is the Label plugin's key, absent when it is off). */
export const AGGREGATE_TORRENT_KEYS: readonly string[] = [
  'state',
  'label',
  'tracker_host',
  'total_wanted',
  'total_remaining',
  'is_finished',
  'download_location',
  'time_since_transfer',
  'active_time',
];

/** Torrent keys the tracker families read. */
export const TRACKER_TORRENT_KEYS: readonly string[] = [
  'tracker_host',
  'tracker_status',
  'download_payload_rate',
  'upload_payload_rate',
];

/** Torrent keys the disk collector reads. */
export const DISK_TORRENT_KEYS: readonly string[] = ['download_location'];

const SUMMARY_KEYS: readonly string[] = [
  ...new Set([...AGGREGATE_TORRENT_KEYS, ...TRACKER_TORRENT_KEYS, ...DISK_TORRENT_KEYS]),
];

/** Deluge 2.x states (`TORRENT_STATE`); each always has a `deluge_torrents` sample. */
export const TORRENT_STATES: readonly string[] = [
  'Allocating',
  'Checking',
  'Downloading',
  'Seeding',
  'Paused',
  'Error',
  'Queued',
  'Moving',
];

/** What one tracker host adds up to. */
export interface TrackerTotals {
  torrents: number;
  readonly errors: Record<TrackerErrorKind, number>;
  downloadRate: number;
  uploadRate: number;
}

/** The aggregates of one answer; maps are in first-seen order (families sort where they need to). */
export interface TorrentSummary {
  /** Torrents with a valid id and a status dict. */
  readonly torrentCount: number;
  /** Entries left out: an id that is not 40 lowercase hex digits, or a status that is not a dict. */
  readonly skipped: { readonly invalid_id: number; readonly invalid_status: number };
  /** Torrents per `state`: the eight known states first (0 when none), then unknown ones; no string state, not counted. */
  readonly byState: ReadonlyMap<string, number>;
  /** Torrents per label, `""` when unlabelled. */
  readonly byLabel: ReadonlyMap<string, number>;
  /** Per `tracker_host` (`""` when none): torrents, tracker errors per kind, payload rate sums. */
  readonly byTracker: ReadonlyMap<string, TrackerTotals>;
  /** Sum of `total_wanted`. */
  readonly wantedBytes: number;
  /** Sum of `total_remaining` of unfinished torrents per save path. */
  readonly remainingBySavePath: ReadonlyMap<string, number>;
  /** Distinct save paths (`download_location`, never `""`). */
  readonly savePaths: ReadonlySet<string>;
  /** Torrents that count as stalled ({@link isStalled}). */
  readonly stalled: number;
  /** Torrents moving payload now ({@link isActive}). */
  readonly active: number;
  /** Torrents that pass the per-torrent filters (0 when per-torrent series are off): what the cap counts. */
  readonly perTorrentMatches: number;
}

/**
 * Whether a torrent counts as stalled: `Downloading` and no payload moved for at least `windowSeconds`
 * (`time_since_transfer`), or never moved any (−1) while active longer than the window.
 */
export function isStalled(status: TorrentStatus, windowSeconds: number): boolean {
  if (status.state !== 'Downloading') return false;
  const sinceTransfer = asNumber(status.time_since_transfer);
  if (sinceTransfer === undefined) return false;
  if (sinceTransfer >= 0) return sinceTransfer >= windowSeconds;
  const activeTime = asNumber(status.active_time);
  return activeTime !== undefined && activeTime > windowSeconds;
}

/** A payload rate in bytes per second; missing, negative or not a number reads as 0. */
function payloadRate(status: TorrentStatus, key: 'download_payload_rate' | 'upload_payload_rate'): number {
  const rate = asNumber(status[key]);
  return rate === undefined || rate < 0 ? 0 : rate;
}

/** Whether the torrent moves payload now (download or upload payload rate above 0). */
export function isActive(status: TorrentStatus): boolean {
  return payloadRate(status, 'download_payload_rate') > 0 || payloadRate(status, 'upload_payload_rate') > 0;
}

/** Distinct tracker status texts remembered per answer (hostile answers may make each one unique). */
const MAX_REMEMBERED_STATUSES = 256;

const increment = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

/** Adds torrents one by one. */
class SummaryBuilder {
  torrentCount = 0;
  readonly skipped = { invalid_id: 0, invalid_status: 0 };
  readonly byState = new Map<string, number>(TORRENT_STATES.map((state) => [state, 0]));
  readonly byLabel = new Map<string, number>();
  readonly byTracker = new Map<string, TrackerTotals>();
  wantedBytes = 0;
  readonly remainingBySavePath = new Map<string, number>();
  readonly savePaths = new Set<string>();
  stalled = 0;
  active = 0;
  perTorrentMatches = 0;

  constructor(
    private readonly stallWindowSeconds: number,
    private readonly perTorrent: PerTorrentConfig,
  ) {}

  add(status: TorrentStatus): void {
    this.torrentCount += 1;
    const state = asString(status.state);
    if (state !== undefined) increment(this.byState, state);
    increment(this.byLabel, statusLabel(status));
    this.addTracker(status);
    this.wantedBytes += asNumber(status.total_wanted) ?? 0;
    const path = statusSavePath(status);
    if (path !== undefined) {
      this.savePaths.add(path);
      const remaining = asNumber(status.total_remaining);
      if (remaining !== undefined && asBoolean(status.is_finished) === false) {
        this.remainingBySavePath.set(path, (this.remainingBySavePath.get(path) ?? 0) + remaining);
      }
    }
    if (isStalled(status, this.stallWindowSeconds)) this.stalled += 1;
    if (isActive(status)) this.active += 1;
    if (this.perTorrent.enabled && matchesFilters(status, this.perTorrent)) this.perTorrentMatches += 1;
  }

  private addTracker(status: TorrentStatus): void {
    const host = statusTracker(status);
    let totals = this.byTracker.get(host);
    if (totals === undefined) {
      const errors = Object.fromEntries(TRACKER_ERROR_KINDS.map((kind) => [kind, 0])) as Record<
        TrackerErrorKind,
        number
      >;
      totals = { torrents: 0, errors, downloadRate: 0, uploadRate: 0 };
      this.byTracker.set(host, totals);
    }
    totals.torrents += 1;
    const error = this.trackerError(status.tracker_status);
    if (error !== undefined) totals.errors[error] += 1;
    totals.downloadRate += payloadRate(status, 'download_payload_rate');
    totals.uploadRate += payloadRate(status, 'upload_payload_rate');
  }

  /** Error kinds of the tracker statuses seen so far: a few distinct texts repeat over thousands of torrents. */
  private readonly errorKinds = new Map<string, TrackerErrorKind | undefined>();

  private trackerError(trackerStatus: unknown): TrackerErrorKind | undefined {
    if (typeof trackerStatus !== 'string') return undefined;
    if (this.errorKinds.has(trackerStatus)) return this.errorKinds.get(trackerStatus);
    const kind = classifyTrackerStatus(trackerStatus)?.kind;
    if (this.errorKinds.size >= MAX_REMEMBERED_STATUSES) this.errorKinds.clear();
    this.errorKinds.set(trackerStatus, kind);
    return kind;
  }

  /** One entry of the answer: its id and its status (`undefined` when not a dict). */
  entry(id: string, status: TorrentStatus | undefined): void {
    if (!isTorrentId(id)) this.skipped.invalid_id += 1;
    else if (status === undefined) this.skipped.invalid_status += 1;
    else this.add(status);
  }
}

/** The summary of a decoded answer, entry by entry in wire order. */
function summarizeDecoded(answer: unknown, builder: SummaryBuilder): TorrentSummary {
  const record = asRecord(answer);
  if (record === undefined) throw new UnexpectedAnswerError(METHOD, 'a dict of torrents', answer);
  const ids = Object.keys(record);
  for (let index = 0; index < ids.length; index++) {
    const id = ids[index] as string;
    builder.entry(id, asRecord(record[id]));
  }
  return builder;
}

/**
 * The summary of an encoded answer, visited without building its torrents; `undefined` when it
 * is not a dict or repeats an id (whose decoded form keeps only the last status): decode it then.
 */
function summarizeEncoded(answer: EncodedRencode, builder: SummaryBuilder): TorrentSummary | undefined {
  return visitDictOfDicts(answer, SUMMARY_KEYS, (id, status) => builder.entry(id, status)) ? builder : undefined;
}

const summaries = new WeakMap<object, { readonly config: ExporterConfig; readonly summary: TorrentSummary }>();

/**
 * The summary of a `core.get_torrents_status` answer (`{torrent_id: {key: value}}`, decoded or an
 * `EncodedRencode`), computed once per answer and config for all the collectors that read it.
 * Throws UnexpectedAnswerError when the answer is not a dict.
 */
export function summarizeTorrents(answer: unknown, config: ExporterConfig): TorrentSummary {
  const cacheable = typeof answer === 'object' && answer !== null;
  const cached = cacheable ? summaries.get(answer) : undefined;
  if (cached !== undefined && cached.config === config) return cached.summary;
  const builder = () => new SummaryBuilder(config.stallWindowSeconds, config.perTorrent);
  const summary =
    answer instanceof EncodedRencode
      ? (summarizeEncoded(answer, builder()) ?? summarizeDecoded(answer.decode(), builder()))
      : summarizeDecoded(answer, builder());
  if (cacheable) summaries.set(answer, { config, summary });
  return summary;
}

/** The entries of `map` ordered by key (UTF-16 code units, like `Array.prototype.sort`). */
export function sortedByKey<V>(map: ReadonlyMap<string, V>): [string, V][] {
  return [...map].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
