/** The dashboards this kit ships, by the file name under grafana/dashboards/ that holds each one's JSON. */
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { overviewDashboard } from './overview.js';
import { torrentDashboard } from './torrent.js';

/** The generated files, relative to grafana/dashboards/, and what generates each. */
export const DASHBOARDS: ReadonlyMap<string, () => Dashboard> = new Map([
  ['deluge-overview.json', overviewDashboard],
  ['deluge-torrent.json', torrentDashboard],
]);
