/**
 * A short soak in `npm test` (the long one with memory figures is `npm run soak`): many scrapes of the
 * real app against one healthy daemon leave nothing behind per scrape. Counted, not timed: open file
 * descriptors, the handles and timers that keep the process alive, the exporter's own series, log
 * lines, connections and logins at the daemon, status bundles.
 */
import { readdirSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { configFromYaml } from '../../support/config.js';
import { type ExporterApp, startExporterApp } from '../../support/exporter-app.js';
import { type FakeDaemon, startFakeDaemon } from '../../support/fake-daemon.js';
import { fixtureHandlers, loadFixture } from '../collector/fixtures.js';

const SCRAPES = 200;
const FIRST_LOOK = 20;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

/** Timers come and go with the test runner's own work; sockets, servers and pipes do not. */
const TRANSIENT = new Set(['Timeout', 'Immediate']);

/** What keeps the process alive, as Node reports it: handles counted by kind, timers in all. */
function activeResources(): { handles: Record<string, number>; timers: number } {
  const handles: Record<string, number> = {};
  let timers = 0;
  for (const kind of process.getActiveResourcesInfo()) {
    if (TRANSIENT.has(kind)) timers += 1;
    else handles[kind] = (handles[kind] ?? 0) + 1;
  }
  return { handles, timers };
}

/** Taken once what a scrape left to run (writes, callbacks, an emitted event) has run. */
async function footprint(app: ExporterApp, daemon: FakeDaemon) {
  await delay(50);
  const series = (await app.exporterMetrics.registry.getMetricsAsJSON()).reduce(
    (sum, metric) => sum + metric.values.length,
    0,
  );
  const { handles, timers } = activeResources();
  return {
    fds: readdirSync('/proc/self/fd').length,
    handles,
    timers,
    series,
    connections: daemon.connections,
    openConnections: daemon.openConnections,
    logins: daemon.logins,
  };
}

it(`${SCRAPES} scrapes with daemon events in between leave the same footprint as ${FIRST_LOOK}`, async () => {
  const daemon = await startFakeDaemon({ handlers: fixtureHandlers(loadFixture('daemon-healthy')), record: false });
  cleanups.push(() => daemon.close());
  const app = await startExporterApp(
    configFromYaml(
      [
        'daemons:',
        '  - name: soak',
        `    port: ${daemon.port}`,
        '    username: admin',
        '    password: admin-secret',
      ].join('\n'),
    ),
  );
  cleanups.push(() => app.close());

  let footprintAtFirstLook: Awaited<ReturnType<typeof footprint>> | undefined;
  let events = 0;
  for (let scrape = 1; scrape <= SCRAPES; scrape++) {
    // Use a fresh client connection each time too: a leaked socket or timer per request would add up.
    const response = await fetch(`${app.baseUrl}/metrics`, { headers: { connection: 'close' } });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('deluge_up{daemon="soak"} 1');
    expect(app.logLines.map((line) => line.msg)).toEqual(
      scrape === 1 ? ['connected to daemon', 'http request'] : ['http request'],
    );
    app.logLines.length = 0;
    events += daemon.emitEvent('TorrentAddedEvent', ['0'.repeat(40), false]);
    if (scrape === FIRST_LOOK) footprintAtFirstLook = await footprint(app, daemon);
  }
  const last = await fetch(`${app.baseUrl}/metrics`, { headers: { connection: 'close' } }).then((r) => r.text());
  app.logLines.length = 0;

  expect(events).toBe(SCRAPES);
  expect(last).toContain(`deluge_torrent_events_total{daemon="soak",event="added"} ${SCRAPES}`);
  const { timers, ...atEnd } = await footprint(app, daemon);
  const { timers: timersAtFirstLook, ...atFirstLook } = footprintAtFirstLook ?? { timers: 0 };
  expect(atEnd).toEqual(atFirstLook);
  expect(atFirstLook).toMatchObject({ connections: 1, openConnections: 1, logins: 1 });
  // One timer left per scrape would be 180 more.
  expect(timers).toBeLessThanOrEqual(timersAtFirstLook + 2);
}, 120_000);
