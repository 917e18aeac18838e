/**
 * Golden end-to-end files: the real HTTP app and scraper against the protocol-level fake daemon over
 * TLS, `GET /metrics` compared byte for byte with `test/golden/<case>.prom`. Only exporter
 * self-metrics that differ between runs or Node versions are filtered out, by name.
 * Only `npm run golden:update` (GOLDEN_UPDATE=1) rewrites the files; review the diff. Any other run fails
 * on a missing or changed file.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configFromYaml } from '../../support/config.js';
import { startExporterApp } from '../../support/exporter-app.js';
import { parseExposition } from '../../support/exposition.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { expectGolden, GOLDEN_UPDATE } from '../../support/golden.js';
import { promtoolCheckMetrics } from '../../support/promtool.js';
import { fixtureHandlers, loadFixture } from './fixtures.js';

/** Self-metrics whose values depend on the Node version, zlib or timing, not on the exporter's logic. */
const VARYING =
  /^(?:# (?:HELP|TYPE) )?(deluge_exporter_build_info|deluge_exporter_rpc_(?:received|sent)_bytes_total)\b/;
const SCRAPE_TIME_MS = 1_795_466_400_000;
const TORRENT_ID = '1a8edc645a9d59c3b6f7636be22069a757dc4808';
const GOLDEN_DIR = fileURLToPath(new URL('../../golden/', import.meta.url));

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

interface GoldenCase {
  /** Calls that fail with a Deluge exception. */
  readonly failing?: readonly string[];
  readonly yaml?: string;
  /** No daemon listens at the configured port. */
  readonly down?: boolean;
}

async function metricsOf({ failing = [], yaml = '', down = false }: GoldenCase): Promise<string> {
  const daemon: FakeDaemon = await startFakeDaemon({
    handlers: fixtureHandlers(loadFixture('daemon-healthy'), new Set(failing)),
  });
  cleanups.push(() => daemon.close());
  const port = daemon.port;
  if (down) await daemon.close();
  const config = configFromYaml(
    [
      'daemons:',
      '  - name: "deluge-1:58846"',
      '    host: 127.0.0.1',
      `    port: ${port}`,
      '    username: admin',
      '    password: admin-secret',
      `    tls: { fingerprint_sha256: "${daemon.certFingerprint256}" }`,
      yaml,
    ].join('\n'),
  );
  const app = await startExporterApp(config, () => SCRAPE_TIME_MS);
  cleanups.push(() => app.close());
  const url = `${app.baseUrl}/metrics`;
  if (!down) {
    await fetch(url); // connects, learns the save paths
    daemon.emitEvent('TorrentAddedEvent', [TORRENT_ID, false]);
    daemon.emitEvent('TorrentStateChangedEvent', [TORRENT_ID, 'Error']);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const body = await response.text();
  // promtool reads the whole answer, filtered lines included
  expect(promtoolCheckMetrics(body)).toEqual({ status: 0, output: '' });
  return body
    .split('\n')
    .filter((line) => !VARYING.test(line))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
}

const cases: Record<string, GoldenCase> = {
  'healthy-daemon': { yaml: 'libtorrent_stats: true' },
  'per-torrent-capped': { yaml: 'per_torrent: { max_torrents: 3 }' },
  'failed-optional-collector': {
    yaml: 'disk: { extra_paths: [/srv/missing] }',
    failing: ['core.get_enabled_plugins', 'core.get_free_space(/mnt/seed)'],
  },
  'daemon-down': { down: true },
};

describe('golden /metrics', () => {
  for (const [name, golden] of Object.entries(cases)) {
    it(`${name} matches test/golden/${name}.prom byte for byte`, async () => {
      const text = await metricsOf(golden);
      expectGolden(join(GOLDEN_DIR, `${name}.prom`), text);
    });
  }

  it('a missing golden fails and is not written; a changed one fails and is left as it was', () => {
    const dir = mkdtempSync(join(tmpdir(), 'golden-'));
    try {
      const missing = join(dir, 'missing.prom');
      expect(() => expectGolden(missing, 'a 1\n', false)).toThrow(`${missing} is missing`);
      expect(existsSync(missing)).toBe(false);
      const changed = join(dir, 'changed.prom');
      writeFileSync(changed, 'a 1\n');
      expect(() => expectGolden(changed, 'a 2\n', false)).toThrow(`${changed} differs`);
      expect(readFileSync(changed, 'utf8')).toBe('a 1\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes goldens only when npm run golden:update set GOLDEN_UPDATE', () => {
    expect(GOLDEN_UPDATE).toBe(process.env.npm_lifecycle_event === 'golden:update');
  });

  it('never holds two samples with the same name and labels', async () => {
    for (const golden of Object.values(cases)) {
      const { samples } = parseExposition(await metricsOf(golden));
      const keys = samples.map((sample) => JSON.stringify([sample.name, Object.entries(sample.labels).sort()]));
      expect(new Set(keys).size).toBe(keys.length);
    }
  });
});
