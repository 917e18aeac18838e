import { requests } from '../rpc/api.js';
import { answerOf, type Collector, callProblem, deriveFrom, type Problem } from './collector.js';
import { UnexpectedAnswerError } from './errors.js';
import type { SampleFamily } from './types.js';
import { asString } from './values.js';

/**
 * `deluge_info{version, libtorrent_version}` 1 from the `daemon.info` and
 * `core.get_libtorrent_version` answers. Throws UnexpectedAnswerError when either is not a string.
 */
export function infoFamily(version: unknown, libtorrentVersion: unknown, daemon: string): SampleFamily {
  const daemonVersion = asString(version);
  if (daemonVersion === undefined) throw new UnexpectedAnswerError('daemon.info', 'a version string', version);
  const ltVersion = asString(libtorrentVersion);
  if (ltVersion === undefined) {
    throw new UnexpectedAnswerError('core.get_libtorrent_version', 'a version string', libtorrentVersion);
  }
  return {
    name: 'deluge_info',
    type: 'gauge',
    help: 'Daemon facts, value 1 (daemon.info, core.get_libtorrent_version).',
    labelNames: ['daemon', 'version', 'libtorrent_version'],
    samples: [{ labels: { daemon, version: daemonVersion, libtorrent_version: ltVersion }, value: 1 }],
  };
}

/** `deluge_info`: daemon and libtorrent versions. Optional. */
export const infoCollector: Collector<undefined> = {
  name: 'info',
  required: false,
  initialState: undefined,
  requests: () => ({ version: requests.daemon.info(), libtorrent: requests.core.getLibtorrentVersion() }),
  collect(answers, { daemon }) {
    const version = answerOf(answers, 'version', 'daemon.info');
    const libtorrent = answerOf(answers, 'libtorrent', 'core.get_libtorrent_version');
    const problems: Problem[] = [];
    for (const [settled, method] of [
      [version, 'daemon.info'],
      [libtorrent, 'core.get_libtorrent_version'],
    ] as const) {
      if (!settled.ok) problems.push(callProblem(method, settled.error));
    }
    if (!version.ok || !libtorrent.ok) return { families: [], problems, state: undefined };
    const derived = deriveFrom(libtorrent, 'core.get_libtorrent_version', (lt) => [
      infoFamily(version.value, lt, daemon),
    ]);
    const daemonVersion = asString(version.value);
    const libtorrentVersion = asString(libtorrent.value);
    return {
      ...derived,
      state: undefined,
      facts: {
        ...(daemonVersion === undefined ? {} : { daemonVersion }),
        ...(libtorrentVersion === undefined ? {} : { libtorrentVersion }),
      },
    };
  },
};
