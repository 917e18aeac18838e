import type { ExporterConfig } from '../config/types.js';
import { requests } from '../rpc/api.js';
import type { Settled } from '../rpc/types.js';
import { type Answers, answerOf, type Collector, type Problem } from './collector.js';
import { UnexpectedAnswerError } from './errors.js';
import { DISK_TORRENT_KEYS, summarizeTorrents } from './torrent-summary.js';
import type { Sample, SampleFamily } from './types.js';
import { asBoolean, asNumber, asRecord, asString } from './values.js';

const METHOD = 'core.get_free_space';
const FREE_SPACE_PREFIX = 'free:';

/** Config keys that name the directories whose free space is exported. */
export const DISK_CONFIG_KEYS: readonly string[] = ['download_location', 'move_completed', 'move_completed_path'];

export { DISK_TORRENT_KEYS };

/** Disk settings from ExporterConfig. */
export interface DiskOptions {
  readonly maxPaths: number;
  readonly extraPaths: readonly string[];
}

/**
 * The directories the daemon names, in order: the download location, the move-completed path when
 * enabled, every distinct save path of the torrents (sorted), capped together at `maxPaths`. Either
 * source may be missing when its call failed.
 */
export function discoveredPaths(
  configValues: Readonly<Record<string, unknown>> | undefined,
  savePaths: ReadonlySet<string> | undefined,
  maxPaths: number,
): string[] {
  const discovered = new Set<string>();
  const add = (path: string | undefined) => {
    if (path !== undefined && path !== '') discovered.add(path);
  };
  add(asString(configValues?.download_location));
  if (asBoolean(configValues?.move_completed) === true) add(asString(configValues?.move_completed_path));
  for (const path of [...(savePaths ?? [])].sort()) add(path);
  return [...discovered].slice(0, Math.max(0, maxPaths));
}

/** What one disk scrape tells the next. */
export interface DiskState {
  /** Daemon-named directories the last scrape exported, at most `disk.max_paths`; asked up front next time. */
  readonly knownPaths: readonly string[];
}

/** The free-space family plus what went wrong. */
export interface FreeSpaceOutcome {
  readonly family: SampleFamily;
  readonly problems: readonly Problem[];
}

/**
 * `deluge_free_space_bytes{path}` from the free-space answers; −1 (Deluge: invalid path) and failed
 * calls omit the sample and are problems.
 */
export function freeSpace(answers: ReadonlyMap<string, Settled<unknown>>, daemon: string): FreeSpaceOutcome {
  const samples: Sample[] = [];
  const problems: Problem[] = [];
  for (const [path, result] of answers) {
    if (!result.ok) {
      problems.push({ method: METHOD, error: result.error, message: `free space of ${path}: ${result.error.message}` });
      continue;
    }
    const bytes = asNumber(result.value);
    if (bytes === undefined) {
      const error = new UnexpectedAnswerError(`${METHOD}(${path})`, 'a number', result.value);
      problems.push({ method: METHOD, error, message: error.message });
    } else if (bytes < 0) {
      problems.push({ method: METHOD, message: `daemon reports path ${path} as invalid (free space −1)` });
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
    problems,
  };
}

/** `deluge_download_location_info{path}`: where new torrents are saved; no sample when the config call failed. */
export function downloadLocation(answers: Answers, daemon: string): SampleFamily {
  const configAnswer = answerOf(answers, 'config', 'core.get_config_values');
  const path = configAnswer.ok ? asString(asRecord(configAnswer.value)?.download_location) : undefined;
  return {
    name: 'deluge_download_location_info',
    type: 'gauge',
    help: 'The directory new torrents are saved in, value 1 (core.get_config_values download_location).',
    labelNames: ['daemon', 'path'],
    samples: path === undefined || path === '' ? [] : [{ labels: { daemon, path }, value: 1 }],
  };
}

/**
 * The directories to export: those the answers name; when the config or the torrent list is missing
 * (its call failed), the picture is partial, so the paths known so far come first. Always at most
 * `disk.max_paths` (then the configured extra paths, never capped).
 */
function wantedPaths(
  answers: Answers,
  config: ExporterConfig,
  state: DiskState,
): { daemonPaths: string[]; all: string[] } {
  const configAnswer = answerOf(answers, 'config', 'core.get_config_values');
  const configValues = configAnswer.ok ? asRecord(configAnswer.value) : undefined;
  const savePaths = savePathsOf(answerOf(answers, 'torrents', 'core.get_torrents_status'), config);
  const { maxPaths, extraPaths } = config.disk;
  const discovered = discoveredPaths(configValues, savePaths, maxPaths);
  const daemonPaths =
    configValues === undefined || savePaths === undefined
      ? [...new Set([...state.knownPaths, ...discovered])].slice(0, Math.max(0, maxPaths))
      : discovered;
  return { daemonPaths, all: [...new Set([...daemonPaths, ...extraPaths])] };
}

function savePathsOf(settled: Settled<unknown>, config: ExporterConfig): ReadonlySet<string> | undefined {
  if (!settled.ok) return undefined;
  try {
    return summarizeTorrents(settled.value, config).savePaths;
  } catch {
    return undefined; // the torrents collector reports it
  }
}

const freeSpaceRequests = (paths: readonly string[]) =>
  Object.fromEntries(paths.map((path) => [`${FREE_SPACE_PREFIX}${path}`, requests.core.getFreeSpace(path)]));

/**
 * `deluge_free_space_bytes` of the download location, the move-completed path, every save path in
 * use (capped) and the configured extra paths. Optional. The status bundle asks for the paths the
 * last scrape knew; a second step asks only for paths that the answers reveal for the first time.
 */
export const diskCollector: Collector<DiskState> = {
  name: 'disk',
  required: false,
  initialState: { knownPaths: [] },
  requests: ({ config }, state) => ({
    config: requests.core.getConfigValues(DISK_CONFIG_KEYS),
    torrents: requests.core.getTorrentsStatus({}, DISK_TORRENT_KEYS),
    ...freeSpaceRequests([...new Set([...state.knownPaths, ...config.disk.extraPaths])]),
  }),
  followUp(answers, { config }, state) {
    const { all } = wantedPaths(answers, config, state);
    return freeSpaceRequests(all.filter((path) => !answers.has(`${FREE_SPACE_PREFIX}${path}`)));
  },
  collect(answers, { daemon, config }, state) {
    const { daemonPaths, all } = wantedPaths(answers, config, state);
    const free = new Map(
      all.map((path) => [path, answerOf(answers, `${FREE_SPACE_PREFIX}${path}`, `${METHOD}(${path})`)]),
    );
    const { family, problems } = freeSpace(free, daemon);
    return { families: [family, downloadLocation(answers, daemon)], problems, state: { knownPaths: daemonPaths } };
  },
};
