/**
 * CPU against bytes of gzip levels for the `/metrics` answer, which decided the level the exporter
 * uses (docs/benchmarks.md, "gzip"): `npx tsx bench/gzip-levels.ts [--torrents 1000,10000] [--runs 9]`.
 * The exposition text is the real one (fake daemon over TLS, scraper, renderer, per-torrent series on,
 * uncapped); each level compresses it `runs` times with Node's zlib, and the median CPU time is shown.
 */
import { parseArgs } from 'node:util';
import { constants, gzipSync } from 'node:zlib';
import { expositionText, renderFamilies } from '../src/collector/exposition.js';
import { createScraper } from '../src/collector/scraper.js';
import { ExporterMetrics } from '../src/exporter/metrics.js';
import { createLogger } from '../src/log/logger.js';
import { configFromYaml } from '../test/support/config.js';
import { startFakeDaemon } from '../test/support/fake-daemon.js';
import { torrentsStatusAnswer } from './payload.js';
import { median, positiveInteger } from './stats.js';

const { values } = parseArgs({
  options: { torrents: { type: 'string', default: '1000,10000' }, runs: { type: 'string', default: '9' } },
});
const counts = values.torrents.split(',').map((text) => positiveInteger('--torrents', text));
const runs = positiveInteger('--runs', values.runs);
const LEVELS = [1, 2, 3, 4, 5, 6, 9];

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

const rows: string[] = [];
for (const count of counts) {
  const body = Buffer.from(await exposition(count));
  rows.push(`| ${count} | none | ${(body.length / 1e6).toFixed(2)} MB | 1.00 | 0.0 ms |`);
  for (const level of LEVELS) {
    let size = 0;
    const samples = Array.from({ length: runs }, () =>
      cpuMs(() => {
        size = gzipSync(body, { level, strategy: constants.Z_DEFAULT_STRATEGY }).length;
      }),
    );
    rows.push(
      `| ${count} | ${level} | ${(size / 1e3).toFixed(0)} kB | ${(size / body.length).toFixed(3)} | ${median(samples).toFixed(1)} ms |`,
    );
  }
}
process.stdout.write(
  `| torrents | gzip level | answer | of uncompressed | CPU per answer (median of ${runs}) |\n| ---: | ---: | ---: | ---: | ---: |\n${rows.join('\n')}\n`,
);
