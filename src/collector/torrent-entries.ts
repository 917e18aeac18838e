import { decoded } from '../rpc/rencode.js';
import { UnexpectedAnswerError } from './errors.js';
import { asRecord, asString } from './values.js';

const METHOD = 'core.get_torrents_status';
/** Deluge's torrent id: the info-hash, 40 lowercase hex digits. */
const TORRENT_ID = /^[0-9a-f]{40}$/;

/** One torrent's status dict. */
export type TorrentStatus = Readonly<Record<string, unknown>>;

/** One torrent of a `core.get_torrents_status` answer: its id and its status dict. */
export interface TorrentEntry {
  readonly hash: string;
  readonly status: TorrentStatus;
}

/** Whether `id` is a Deluge torrent id (40 lowercase hex digits). */
export function isTorrentId(id: string): boolean {
  return TORRENT_ID.test(id);
}

/** The torrents of an answer and how many entries were left out, by reason. */
export interface ParsedTorrents {
  readonly torrents: readonly TorrentEntry[];
  readonly skipped: { readonly invalid_id: number; readonly invalid_status: number };
}

const parsed = new WeakMap<object, ParsedTorrents>();

/**
 * Reads a `core.get_torrents_status` answer (`{torrent_id: {key: value}}`, decoded or an
 * `EncodedRencode`) in id order, for the per-torrent series. Entries whose id is not 40 lowercase
 * hex or whose status is not a dict are skipped and counted. Parsed once per answer. Throws
 * UnexpectedAnswerError when the answer is not a dict.
 */
export function parseTorrents(answer: unknown): ParsedTorrents {
  const cached = typeof answer === 'object' && answer !== null ? parsed.get(answer) : undefined;
  if (cached !== undefined) return cached;
  const record = asRecord(decoded(answer));
  if (record === undefined) throw new UnexpectedAnswerError(METHOD, 'a dict of torrents', answer);
  const torrents: TorrentEntry[] = [];
  let invalidId = 0;
  let invalidStatus = 0;
  const hashes = Object.keys(record).sort();
  for (let index = 0; index < hashes.length; index++) {
    const hash = hashes[index] as string;
    if (!isTorrentId(hash)) {
      invalidId += 1;
      continue;
    }
    const status = asRecord(record[hash]);
    if (status === undefined) invalidStatus += 1;
    else torrents.push({ hash, status });
  }
  const result = { torrents, skipped: { invalid_id: invalidId, invalid_status: invalidStatus } };
  if (typeof answer === 'object' && answer !== null) parsed.set(answer, result);
  return result;
}

/** The torrent's Label plugin label; `""` when unlabelled or when the plugin is off. */
export function statusLabel(status: TorrentStatus): string {
  return asString(status.label) ?? '';
}

/** The torrent's `tracker_host`; `""` when it has none. */
export function statusTracker(status: TorrentStatus): string {
  return asString(status.tracker_host) ?? '';
}

/** The torrent's save path (`download_location`), when Deluge sent one. */
export function statusSavePath(status: TorrentStatus): string | undefined {
  const path = asString(status.download_location);
  return path === '' ? undefined : path;
}
