import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VERSION } from '../../src/exporter/version.js';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent } from '../harness/deluge-calls.js';
import { findFreePort } from '../harness/ports.js';
import { makeTorrent } from '../harness/torrent.js';
import { configFromYaml } from '../support/config.js';
import { startExporterApp } from '../support/exporter-app.js';
import { REPO_ROOT } from '../support/exporter-process.js';

const CHROMIUM = '/usr/bin/chromium';
const UP = 'seedbox <&> "one"';
const REFUSED = 'wrong password';
const UNREACHABLE = 'unreachable';
const NOT_ADMIN = 'not admin';
const WRONG_PASSWORD = 'not-the-password-5d1c';
/** `UPDATE_SCREENSHOTS=1` writes the screenshot the docs show; otherwise it goes to a temp dir. */
const SCREENSHOT_DIR = process.env.UPDATE_SCREENSHOTS === '1' ? join(REPO_ROOT, 'docs', 'img') : undefined;

describe('the landing page in a real browser', () => {
  let daemon: DaemonHandle;
  let browser: Browser;
  let base: string;
  let unreachablePort: number;
  let version: string;
  let libtorrentVersion: string;
  let adminTorrents: number;
  const close: (() => Promise<unknown>)[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium`);
    daemon = await startDaemon();
    const admin = await connectClient(daemon);
    try {
      await addTorrent(admin, makeTorrent({ name: 'landing-page', length: 20_000 }), { add_paused: true });
      version = await admin.call(requests.daemon.info());
      libtorrentVersion = await admin.call(requests.core.getLibtorrentVersion());
      adminTorrents = (await admin.call(requests.core.getSessionState())).length;
    } finally {
      await admin.close();
    }
    unreachablePort = await findFreePort();
    const user5 = daemon.accounts.find((account) => account.level === 5);
    const entry = (name: string, port: number, username: string, password: string) =>
      [`  - name: '${name}'`, `    port: ${port}`, `    username: ${username}`, `    password: ${password}`].join('\n');
    const yaml = [
      'daemons:',
      entry(UP, daemon.port, daemon.admin.username, daemon.admin.password),
      entry(REFUSED, daemon.port, daemon.admin.username, WRONG_PASSWORD),
      `${entry(UNREACHABLE, unreachablePort, daemon.admin.username, daemon.admin.password)}\n    timeout_seconds: 3`,
      entry(NOT_ADMIN, daemon.port, user5?.username ?? '', user5?.password ?? ''),
    ].join('\n');
    const app = await startExporterApp(configFromYaml(yaml));
    close.push(() => app.close());
    base = `${app.baseUrl}/`;
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

  /** What a person reads in the table row of daemon `name`. */
  async function rowText(page: Page, name: string): Promise<string> {
    const row = page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
    return (await row.innerText()).replace(/\s+/g, ' ');
  }

  it('before any scrape, says so', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    expect(await rowText(page, UP)).toContain('not scraped yet');
  });

  it('after a scrape, shows each daemon as it is: up, refusing the password, unreachable, not admin', async () => {
    const metrics = await (await fetch(`${base}metrics`)).text();
    expect(metrics).toContain('deluge_up{daemon="wrong password"} 0');
    const page = await browser.newPage({ viewport: { width: 1500, height: 700 } });
    await page.goto(base);
    expect(await page.title()).toBe('Deluge exporter');
    expect(await page.locator('body').innerText()).toContain(`Version ${VERSION}`);

    const up = await rowText(page, UP);
    expect(up).toMatch(
      /^seedbox <&> "one" 127\.0\.0\.1:\d+ UP for (less than )?\d+ s since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC last scrape /,
    );
    expect(up).toContain(
      ` ${adminTorrents} 10 (admin) ${version} ${libtorrentVersion} none debug`.replace(/\s+/g, ' '),
    );
    expect(adminTorrents).toBe(1);

    const refused = await rowText(page, REFUSED);
    expect(refused).toMatch(/ DOWN for .* since .* UTC last scrape .* ago /);
    expect(refused).toContain(
      "login refused: Password does not match check the username and password against deluged's auth file",
    );

    const unreachable = await rowText(page, UNREACHABLE);
    expect(unreachable).toContain(`127.0.0.1:${unreachablePort} DOWN for `);
    expect(unreachable).toContain(
      `unreachable: cannot connect to 127.0.0.1:${unreachablePort}: connect ECONNREFUSED 127.0.0.1:${unreachablePort}`,
    );
    expect(unreachable).toContain('is deluged running and listening on this host and port');

    const notAdmin = await rowText(page, NOT_ADMIN);
    expect(notAdmin).toContain(' UP for ');
    expect(notAdmin).toContain(
      "5 (normal) ⚠ auth level 5 (normal) is below admin (10): Deluge hides other accounts' torrents",
    );
    // The account sees none of the admin's torrents: the page shows what the daemon told that account.
    expect(notAdmin).toContain(' 0 5 (normal)');

    // A person tells up from down by colour, too.
    const downColour = await page
      .locator('tr', { has: page.getByRole('link', { name: REFUSED, exact: true }) })
      .locator('strong.down')
      .evaluate((element) => element.ownerDocument.defaultView?.getComputedStyle(element).color);
    expect(downColour).toBe('rgb(198, 40, 40)');

    const html = await page.content();
    for (const secret of [daemon.admin.password, WRONG_PASSWORD, ...daemon.accounts.map((a) => a.password)]) {
      expect(html).not.toContain(secret);
    }
    const directory = SCREENSHOT_DIR ?? mkdtempSync(join(tmpdir(), 'landing-page-'));
    mkdirSync(directory, { recursive: true });
    const png = await page.screenshot({ path: join(directory, 'landing-page.png'), fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it("each row's debug link probes that daemon now and shows the calls and answers, or why it failed", async () => {
    const page = await browser.newPage();
    const debugOf = async (name: string) => {
      await page.goto(base);
      const row = page.locator('tr', { has: page.getByRole('link', { name, exact: true }) });
      await row.getByRole('link', { name: 'debug' }).click();
      return (await page.locator('body').innerText()).replace(/\r/g, '');
    };
    const up = await debugOf(UP);
    expect(up).toContain(`debug probe of daemon ${JSON.stringify(UP)}`);
    expect(up).toContain('result: UP (deluge_up 1)');
    // The sizes are the daemon's own answers: one torrent, its version string.
    expect(up).toMatch(new RegExp(`\\n {12}core\\.get_torrents_status +ok +size ${adminTorrents}\\n`));
    expect(up).toMatch(new RegExp(`\\n {12}daemon\\.info +ok +size ${version.length}\\n`));
    expect(up).toContain(`libtorrent_version="${libtorrentVersion}"`);

    const refused = await debugOf(REFUSED);
    expect(refused).toContain('result: DOWN (deluge_up 0)\nwhy: login refused: Password does not match\n');
    expect(refused).toMatch(/ms {2}the scrape failed: Password does not match\n/);
    const unreachable = await debugOf(UNREACHABLE);
    expect(unreachable).toContain(`why: unreachable: cannot connect to 127.0.0.1:${unreachablePort}`);
    for (const text of [up, refused, unreachable]) {
      for (const secret of [daemon.admin.password, WRONG_PASSWORD]) expect(text).not.toContain(secret);
    }
  });

  it('links to the metrics of every daemon and to a probe of one', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByRole('link', { name: 'metrics' }).click();
    const metrics = (await page.locator('body').textContent()) ?? '';
    expect(metrics).toContain('deluge_up{daemon="seedbox <&> \\"one\\""} 1');
    expect(metrics).toContain('deluge_exporter_build_info');
    await page.goto(base);
    await page.getByRole('link', { name: UP, exact: true }).click();
    const probe = (await page.locator('body').textContent()) ?? '';
    expect(probe).toContain('deluge_login_auth_level{daemon="seedbox <&> \\"one\\""} 10');
    expect(probe).not.toContain('deluge_exporter_build_info');
  });
});
