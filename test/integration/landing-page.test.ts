import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScraper } from '../../src/collector/scraper.js';
import { ExporterMetrics } from '../../src/exporter-metrics.js';
import { createLogger } from '../../src/logger.js';
import { createApp, listen } from '../../src/server.js';
import { VERSION } from '../../src/version.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { configFromYaml } from '../support/config.js';

const CHROMIUM = '/usr/bin/chromium';
const DAEMON_NAME = 'seedbox <&> "one"';

describe('the landing page in a real browser', () => {
  let daemon: DaemonHandle;
  let server: Server;
  let browser: Browser;
  let base: string;
  const close: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
    daemon = await startDaemon();
    const yaml = [
      'daemons:',
      `  - name: '${DAEMON_NAME}'`,
      `    port: ${daemon.port}`,
      `    username: ${daemon.admin.username}`,
      `    password: ${daemon.admin.password}`,
    ].join('\n');
    const config = configFromYaml(yaml);
    const logger = createLogger({ level: 'error' });
    const exporterMetrics = new ExporterMetrics();
    const scraper = createScraper({ config, logger, exporterMetrics });
    close.push(() => scraper.close());
    const app = createApp({
      current: () => ({ scraper, config }),
      reload: async () => ({ ok: true }),
      exporterMetrics,
      logger,
      ready: () => true,
    });
    server = await listen(app, {
      host: '127.0.0.1',
      port: 0,
    });
    close.push(() => new Promise((resolve) => server.close(resolve)));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--headless',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
      ],
    });
    close.push(() => browser.close());
  });

  afterAll(async () => {
    for (const step of close.reverse()) await step();
    await stopAllDaemons();
  });

  it('shows the version and the configured daemon, escaped, without its password', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    expect(await page.title()).toBe('Deluge exporter');
    const body = (await page.locator('body').textContent()) ?? '';
    expect(body).toContain(`Version ${VERSION}`);
    expect(body).toContain(DAEMON_NAME);
    expect(body).toContain(`127.0.0.1:${daemon.port}`);
    expect(await page.content()).not.toContain(daemon.admin.password);
  });

  it('links to the metrics of every daemon and to a probe of this one', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByRole('link', { name: 'metrics' }).click();
    const metrics = (await page.locator('body').textContent()) ?? '';
    expect(metrics).toContain('deluge_up{daemon="seedbox <&> \\"one\\""} 1');
    expect(metrics).toContain('deluge_exporter_build_info');
    await page.goto(base);
    await page.getByRole('link', { name: DAEMON_NAME }).click();
    const probe = (await page.locator('body').textContent()) ?? '';
    expect(probe).toContain('deluge_login_auth_level{daemon="seedbox <&> \\"one\\""} 10');
    expect(probe).not.toContain('deluge_exporter_build_info');
  });
});
