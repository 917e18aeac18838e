import { UnexpectedAnswerError } from './errors.js';
import type { MetricFamily } from './types.js';
import { asString } from './values.js';

/**
 * `deluge_info{version, libtorrent_version}` 1 from the `daemon.info` and
 * `core.get_libtorrent_version` answers. Throws UnexpectedAnswerError when either is not a string.
 */
export function infoFamily(version: unknown, libtorrentVersion: unknown, daemon: string): MetricFamily {
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
