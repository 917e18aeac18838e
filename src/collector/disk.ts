import type { Settled } from '../rpc/types.js';
import { UnexpectedAnswerError } from './errors.js';
import { type TorrentEntry, torrentSavePath } from './torrents.js';
import type { MetricFamily, Sample } from './types.js';
import { asBoolean, asNumber, asString } from './values.js';

const METHOD = 'core.get_free_space';

/** Config keys that name the directories whose free space is exported. */
export const DISK_CONFIG_KEYS: readonly string[] = ['download_location', 'move_completed', 'move_completed_path'];

/** Torrent keys the disk collector reads. */
export const DISK_TORRENT_KEYS: readonly string[] = ['download_location'];

/** Disk settings from ExporterConfig. */
export interface DiskOptions {
  readonly maxPaths: number;
  readonly extraPaths: readonly string[];
}

/**
 * The directories to query, in order: the download location, the move-completed path when enabled,
 * every distinct save path in use (sorted), capped together at `maxPaths`; then the configured extra
 * paths (never capped). Either source may be missing when its call failed.
 */
export function diskPaths(
  configValues: Readonly<Record<string, unknown>> | undefined,
  torrents: readonly TorrentEntry[] | undefined,
  options: DiskOptions,
): string[] {
  const discovered = new Set<string>();
  const add = (path: string | undefined) => {
    if (path !== undefined && path !== '') discovered.add(path);
  };
  add(asString(configValues?.download_location));
  if (asBoolean(configValues?.move_completed) === true) add(asString(configValues?.move_completed_path));
  const savePaths = new Set<string>();
  for (const torrent of torrents ?? []) {
    const path = torrentSavePath(torrent);
    if (path !== undefined) savePaths.add(path);
  }
  for (const path of [...savePaths].sort()) add(path);
  return [...new Set([...[...discovered].slice(0, Math.max(0, options.maxPaths)), ...options.extraPaths])];
}

/** The answer of `core.get_free_space(path)` for one path. */
export interface FreeSpaceAnswer {
  readonly path: string;
  readonly result: Settled<unknown>;
}

/** The free-space family plus what went wrong. */
export interface FreeSpaceOutcome {
  readonly family: MetricFamily;
  /** Paths Deluge called invalid (answer −1). */
  readonly invalidPaths: string[];
  /** Calls that failed or answered something other than a number. */
  readonly failures: Array<{ path: string; error: Error }>;
}

/** `deluge_free_space_bytes{path}` from the free-space answers; −1 (invalid path) omits the sample. */
export function freeSpace(answers: readonly FreeSpaceAnswer[], daemon: string): FreeSpaceOutcome {
  const samples: Sample[] = [];
  const invalidPaths: string[] = [];
  const failures: Array<{ path: string; error: Error }> = [];
  for (const { path, result } of answers) {
    if (!result.ok) {
      failures.push({ path, error: result.error });
      continue;
    }
    const bytes = asNumber(result.value);
    if (bytes === undefined) {
      failures.push({ path, error: new UnexpectedAnswerError(`${METHOD}(${path})`, 'a number', result.value) });
    } else if (bytes < 0) {
      invalidPaths.push(path);
    } else {
      samples.push({ labels: { daemon, path }, value: bytes });
    }
  }
  return {
    family: {
      name: 'deluge_free_space_bytes',
      type: 'gauge',
      help: `Free bytes in a directory the daemon writes to (${METHOD}).`,
      labelNames: ['daemon', 'path'],
      samples,
    },
    invalidPaths,
    failures,
  };
}
