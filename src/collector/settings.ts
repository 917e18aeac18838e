import { requests } from '../rpc/api.js';
import { answerOf, type Collector, deriveFrom } from './collector.js';
import { UnexpectedAnswerError } from './errors.js';
import type { Sample, SampleFamily } from './types.js';
import { asBoolean, asNumber, asRecord, asStringList } from './values.js';

const CONFIG_METHOD = 'core.get_config_values';
const KIB = 1024;

/** Config keys the `deluge_config_*` families read. */
export const SETTINGS_CONFIG_KEYS: readonly string[] = [
  'max_download_speed',
  'max_upload_speed',
  'max_connections_global',
  'max_active_downloading',
  'max_active_seeding',
  'max_active_limit',
  'stop_seed_at_ratio',
  'stop_seed_ratio',
];

/** A limit; Deluge uses −1 (any negative) for "unlimited", which has no sample. */
function limit(value: unknown): number | undefined {
  const number = asNumber(value);
  return number === undefined || number < 0 ? undefined : number;
}

function daemonGauge(name: string, help: string, daemon: string, value: number | undefined): SampleFamily {
  return {
    name,
    type: 'gauge',
    help,
    labelNames: ['daemon'],
    samples: value === undefined ? [] : [{ labels: { daemon }, value }],
  };
}

/**
 * The `deluge_config_*` families from a `core.get_config_values` answer. Unlimited (−1) values and
 * missing or non-numeric keys have no sample. Throws UnexpectedAnswerError when the answer is not a dict.
 */
export function configFamilies(configValues: unknown, daemon: string): SampleFamily[] {
  const config = asRecord(configValues);
  if (config === undefined) throw new UnexpectedAnswerError(CONFIG_METHOD, 'a dict of config values', configValues);
  const kib = (key: string): number | undefined => {
    const value = limit(config[key]);
    return value === undefined ? undefined : value * KIB;
  };
  const activeKinds: readonly (readonly [string, string])[] = [
    ['downloading', 'max_active_downloading'],
    ['seeding', 'max_active_seeding'],
    ['any', 'max_active_limit'],
  ];
  const activeSamples: Sample[] = [];
  for (const [kind, key] of activeKinds) {
    const value = limit(config[key]);
    if (value !== undefined) activeSamples.push({ labels: { daemon, kind }, value });
  }
  const stopAtRatio = asBoolean(config.stop_seed_at_ratio) === true;
  return [
    daemonGauge(
      'deluge_config_download_rate_limit_bytes_per_second',
      `Global download rate limit (${CONFIG_METHOD} max_download_speed, KiB/s × 1024); absent when unlimited.`,
      daemon,
      kib('max_download_speed'),
    ),
    daemonGauge(
      'deluge_config_upload_rate_limit_bytes_per_second',
      `Global upload rate limit (${CONFIG_METHOD} max_upload_speed, KiB/s × 1024); absent when unlimited.`,
      daemon,
      kib('max_upload_speed'),
    ),
    daemonGauge(
      'deluge_config_max_connections',
      `Global connection limit (${CONFIG_METHOD} max_connections_global); absent when unlimited.`,
      daemon,
      limit(config.max_connections_global),
    ),
    {
      name: 'deluge_config_max_active_torrents',
      type: 'gauge',
      help: `Active torrent limits by kind (${CONFIG_METHOD} max_active_downloading, max_active_seeding, max_active_limit); absent when unlimited.`,
      labelNames: ['daemon', 'kind'],
      samples: activeSamples,
    },
    daemonGauge(
      'deluge_config_stop_seed_ratio',
      `Ratio at which seeding stops (${CONFIG_METHOD} stop_seed_ratio); only when stop_seed_at_ratio is on.`,
      daemon,
      stopAtRatio ? asNumber(config.stop_seed_ratio) : undefined,
    ),
  ];
}

/**
 * `deluge_plugin_enabled{plugin}` 1 per plugin of a `core.get_enabled_plugins` answer.
 * Throws UnexpectedAnswerError when the answer is not a list.
 */
export function pluginFamily(enabledPlugins: unknown, daemon: string): SampleFamily {
  const plugins = asStringList(enabledPlugins);
  if (plugins === undefined) {
    throw new UnexpectedAnswerError('core.get_enabled_plugins', 'a list of plugin names', enabledPlugins);
  }
  return {
    name: 'deluge_plugin_enabled',
    type: 'gauge',
    help: 'Enabled Deluge plugin, one series each (core.get_enabled_plugins).',
    labelNames: ['daemon', 'plugin'],
    samples: [...new Set(plugins)].sort().map((plugin) => ({ labels: { daemon, plugin }, value: 1 })),
  };
}

/**
 * `deluge_session_paused` 0/1 from a `core.is_session_paused` answer.
 * Throws UnexpectedAnswerError when the answer is not a boolean.
 */
export function sessionPausedFamily(sessionPaused: unknown, daemon: string): SampleFamily {
  const paused = asBoolean(sessionPaused);
  if (paused === undefined) throw new UnexpectedAnswerError('core.is_session_paused', 'a boolean', sessionPaused);
  return daemonGauge(
    'deluge_session_paused',
    '1 when the whole session is paused (core.is_session_paused).',
    daemon,
    paused ? 1 : 0,
  );
}

/** `deluge_config_*`, `deluge_plugin_enabled`, `deluge_session_paused`. Optional. */
export const settingsCollector: Collector<undefined> = {
  name: 'settings',
  required: false,
  initialState: undefined,
  requests: () => ({
    config: requests.core.getConfigValues(SETTINGS_CONFIG_KEYS),
    plugins: requests.core.getEnabledPlugins(),
    paused: requests.core.isSessionPaused(),
  }),
  collect(answers, { daemon }) {
    const parts = [
      deriveFrom(answerOf(answers, 'config', CONFIG_METHOD), CONFIG_METHOD, (value) => configFamilies(value, daemon)),
      deriveFrom(answerOf(answers, 'plugins', 'core.get_enabled_plugins'), 'core.get_enabled_plugins', (value) => [
        pluginFamily(value, daemon),
      ]),
      deriveFrom(answerOf(answers, 'paused', 'core.is_session_paused'), 'core.is_session_paused', (value) => [
        sessionPausedFamily(value, daemon),
      ]),
    ];
    return {
      families: parts.flatMap((part) => part.families),
      problems: parts.flatMap((part) => part.problems),
      state: undefined,
    };
  },
};
