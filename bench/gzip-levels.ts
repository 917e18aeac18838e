/**
 * CPU against bytes of gzip levels and window sizes for the `/metrics` answer, which decided the
 * options the exporter uses (docs/benchmarks.md, "gzip"):
 * `npx tsx bench/gzip-levels.ts [--torrents 1000,10000] [--runs 9] [--window-bits 10,11,12,13,15] [--text FILE]`.
 * The exposition text is the real one (fake daemon over TLS, scraper, renderer, per-torrent series on,
 * uncapped), and with `--text` also a saved answer (e.g. `curl -s <exporter>/metrics > FILE` of an
 * exporter in front of a real deluged, whose torrents repeat themselves less than the fake's); each level (with zlib's 32 KiB window) and each window size (at the exporter's level)
 * compresses it `runs` times with Node's zlib, and the median CPU time is shown; `*` marks the
 * exporter's options.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import { expositionText, renderFamilies } from '../src/collector/exposition.js';
import { createScraper } from '../src/collector/scraper.js';
import { ExporterMetrics } from '../src/exporter/metrics.js';
import { createLogger } from '../src/log/logger.js';
import { GZIP_OPTIONS } from '../src/server.js';
import { configFromYaml } from '../test/support/config.js';
import { startFakeDaemon } from '../test/support/fake-daemon.js';
import { torrentsStatusAnswer } from './payload.js';
import { median, positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: {
    torrents: { type: 'string', default: '1000,10000' },
    runs: { type: 'string', default: '9' },
    'window-bits': { type: 'string', default: '10,11,12,13,15' },
    text: { type: 'string' },
  },
});
const counts = values.torrents.split(',').map((text) => positiveInteger('--torrents', text));
const runs = positiveInteger('--runs', values.runs);
const windows = values['window-bits'].split(',').map((text) => {
  const bits = positiveInteger('--window-bits', text);
  if (bits < 9 || bits > 15) throw new Error(`--window-bits: ${bits} is not a zlib window of 9 to 15 bits`);
  return bits;
});
const DEFAULT_WINDOW_BITS = 15;
const LEVELS = [1, 2, 3, 4, 5, 6, 9];
/** Each level with zlib's default window, then each window at the exporter's level. */
const OPTIONS = [
  ...LEVELS.map((level) => ({ level, windowBits: DEFAULT_WINDOW_BITS })),
  ...windows
    .filter((bits) => bits !== DEFAULT_WINDOW_BITS)
    .map((windowBits) => ({ level: GZIP_OPTIONS.level, windowBits })),
];

async function exposition(count: number): Promise<string> {
  const torrents = torrentsStatusAnswer(count);
  const daemon = await startFakeDaemon({
    record: false,
    accounts: [{ username: 'bench', password: 'bench', level: 10 }],
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1, 'net.sent_bytes': 1 }),
      'core.get_torrents_status': () => torrents,
      'core.get_config_values': () => ({ download_location: '/data/downloads/0', move_completed: false }),
      'core.get_enabled_plugins': () => ['Label'],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 1e12,
    },
  });
  const yaml = `daemons: [{ port: ${daemon.port}, username: bench, password: bench }]\nper_torrent: { max_torrents: ${count} }\n`;
  const config = configFromYaml(yaml);
  const scraper = createScraper({
    config,
    logger: createLogger({ level: 'error' }),
    exporterMetrics: new ExporterMetrics({ defaultMetrics: false }),
  });
  try {
    const text = expositionText(renderFamilies(await scraper.scrape({})));
    if (!text.includes('deluge_up{daemon=') || !text.includes(' 1\ndeluge_') || text.split('\n').length < count) {
      throw new Error(`the scrape of ${count} torrents failed:\n${text.slice(0, 2000)}`);
    }
    return text;
  } finally {
    await scraper.close();
    await daemon.close();
  }
}

function cpuMs(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const texts: [string, Buffer][] = [];
for (const count of counts) texts.push([`${count}, fake daemon`, Buffer.from(await exposition(count))]);
if (values.text !== undefined) texts.push([basename(values.text), readFileSync(values.text)]);

const rows: string[] = [];
for (const [answer, body] of texts) {
  rows.push(`| ${answer} | none | | ${(body.length / 1e6).toFixed(2)} MB | 1.00 | 0.0 ms |`);
  for (const { level, windowBits } of OPTIONS) {
    let size = 0;
    const samples = Array.from({ length: runs }, () =>
      cpuMs(() => {
        size = gzipSync(body, { level, windowBits, strategy: constants.Z_DEFAULT_STRATEGY }).length;
      }),
    );
    const chosen = level === GZIP_OPTIONS.level && windowBits === GZIP_OPTIONS.windowBits ? ' *' : '';
    rows.push(
      `| ${answer} | ${level}${chosen} | ${2 ** windowBits / 1024} KiB | ${(size / 1e3).toFixed(0)} kB | ${(size / body.length).toFixed(3)} | ${median(samples).toFixed(1)} ms |`,
    );
  }
}
process.stdout.write(
  `| exposition | gzip level | window | answer | of uncompressed | CPU per answer (median of ${runs}) |\n| ---: | ---: | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`,
);
