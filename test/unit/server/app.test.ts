import { get, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import type { DaemonStatus } from '../../../src/collector/daemon-session.js';
import type { ExporterState, ReloadOutcome } from '../../../src/collector/reload.js';
import type { ScrapeRequest, Scraper } from '../../../src/collector/scraper-api.js';
import type { MetricFamily } from '../../../src/collector/types.js';
import type { ExporterConfig } from '../../../src/config/types.js';
import { ExporterMetrics } from '../../../src/exporter/metrics.js';
import { VERSION } from '../../../src/exporter/version.js';
import { createLogger } from '../../../src/log/logger.js';
import { createApp, listen, parseTelemetryPath, TelemetryPathError } from '../../../src/server.js';
import { configWithDaemons, testDaemon } from '../../support/config.js';

const PASSWORD = 'server-test-secret';

const config: ExporterConfig = configWithDaemons([
  testDaemon('seedbox', PASSWORD, '10.0.0.1'),
  testDaemon('nas', PASSWORD, '10.0.0.2'),
  testDaemon('<b>x</b>&"', PASSWORD, '10.0.0.3'),
]);
const daemonNames = config.daemons.map((entry) => entry.name);

/** `deluge_up` per daemon: seedbox up, every other daemon down. */
function upFamilies(names: readonly string[]): MetricFamily[] {
  return [
    {
      name: 'deluge_up',
      help: 'Whether the daemon answered.',
      type: 'gauge',
      labelNames: ['daemon'],
      samples: names.map((name) => ({ labels: { daemon: name }, value: name === 'seedbox' ? 1 : 0 })),
    },
  ];
}

class FakeScraper implements Scraper {
  readonly requests: ScrapeRequest[] = [];
  closed = false;
  constructor(
    private readonly answer: (request: ScrapeRequest) => Promise<MetricFamily[]>,
    readonly daemonNames: readonly string[] = config.daemons.map((entry) => entry.name),
  ) {}
  scrape(request: ScrapeRequest): Promise<MetricFamily[]> {
    this.requests.push(request);
    return this.answer(request);
  }
  daemonStatus(): readonly DaemonStatus[] {
    return [];
  }
  async close(): Promise<void> {
    this.closed = true;
  }
}

const healthyScraper = () =>
  new FakeScraper(async (request) => upFamilies(request.target === undefined ? daemonNames : [request.target]));

interface Harness {
  readonly baseUrl: string;
  readonly logLines: Record<string, unknown>[];
  readonly exporterMetrics: ExporterMetrics;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const reloadOk = async (): Promise<ReloadOutcome> => ({ ok: true });

/** `reload` null: started without --web.enable-lifecycle. */
async function start(
  scraper: Scraper,
  ready = true,
  reload: (() => Promise<ReloadOutcome>) | null = reloadOk,
  telemetryPath?: string,
): Promise<Harness> {
  const logLines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const exporterMetrics = new ExporterMetrics();
  const app = createApp({
    current: () => ({ scraper, config }),
    ...(reload === null ? {} : { reload }),
    exporterMetrics,
    logger,
    ready: () => ready,
    ...(telemetryPath === undefined ? {} : { telemetryPath }),
  });
  const server = await listen(app, { host: '127.0.0.1', port: 0 });
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { baseUrl: `http://127.0.0.1:${port}`, logLines, exporterMetrics };
}

describe('GET /metrics', () => {
  it('serves every daemon plus the exporter metrics, 200 even when a daemon is down', async () => {
    const scraper = healthyScraper();
    const { baseUrl, exporterMetrics } = await start(scraper);
    exporterMetrics.instrumentationFor('seedbox').request?.('core.get_session_status');
    const response = await fetch(`${baseUrl}/metrics`);
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    // No ETag: hashing each large exposition costs CPU and no scraper revalidates.
    expect(response.headers.get('etag')).toBeNull();
    expect(body).toContain('deluge_up{daemon="seedbox"} 1');
    expect(body).toContain('deluge_up{daemon="nas"} 0');
    expect(body).toContain(`deluge_exporter_build_info{version="${VERSION}",node_version="${process.version}"} 1`);
    expect(body).toContain('deluge_exporter_rpc_requests_total{daemon="seedbox",method="core.get_session_status"} 1');
    expect(body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(scraper.requests).toEqual([{}]);
  });

  it('passes a valid X-Prometheus-Scrape-Timeout-Seconds through and ignores invalid ones', async () => {
    const scraper = healthyScraper();
    const { baseUrl } = await start(scraper);
    for (const value of ['4.5', 'abc', '-1', '0', '']) {
      const response = await fetch(`${baseUrl}/metrics`, { headers: { 'X-Prometheus-Scrape-Timeout-Seconds': value } });
      expect(response.status).toBe(200);
    }
    expect(scraper.requests).toEqual([{ prometheusTimeoutSeconds: 4.5 }, {}, {}, {}, {}]);
  });

  it('answers 500 without details when the exporter itself fails, and logs the error', async () => {
    const { baseUrl, logLines } = await start(
      new FakeScraper(async () => {
        throw new Error('exporter bug');
      }),
    );
    const response = await fetch(`${baseUrl}/metrics`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('internal error\n');
    const failure = logLines.find((line) => line.msg === 'request failed');
    expect(failure).toMatchObject({ level: 'error', err: { message: 'exporter bug' } });
  });

  it('keeps serving other routes while a scrape is slow', async () => {
    let release: (families: MetricFamily[]) => void = () => undefined;
    const pending = new Promise<MetricFamily[]>((resolve) => {
      release = resolve;
    });
    const { baseUrl } = await start(new FakeScraper(() => pending));
    const metrics = fetch(`${baseUrl}/metrics`);
    const health = await fetch(`${baseUrl}/healthz`);
    expect(health.status).toBe(200);
    release(upFamilies(['seedbox']));
    const response = await metrics;
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('deluge_up{daemon="seedbox"} 1');
  });

  it('logs each request at debug level', async () => {
    const { baseUrl, logLines } = await start(healthyScraper());
    await (await fetch(`${baseUrl}/metrics`)).text();
    const line = logLines.find((entry) => entry.msg === 'http request');
    expect(line).toMatchObject({ level: 'debug', http_method: 'GET', path: '/metrics', status: 200 });
    expect(typeof line?.duration_seconds).toBe('number');
  });
});

describe('GET /probe', () => {
  it('scrapes only the target, without exporter metrics', async () => {
    const scraper = healthyScraper();
    const { baseUrl } = await start(scraper);
    const response = await fetch(`${baseUrl}/probe?target=nas`, {
      headers: { 'X-Prometheus-Scrape-Timeout-Seconds': '3' },
    });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('deluge_up{daemon="nas"} 0');
    expect(body).not.toContain('daemon="seedbox"');
    expect(body).not.toContain('deluge_exporter_');
    expect(body).not.toContain('process_');
    expect(scraper.requests).toEqual([{ target: 'nas', prometheusTimeoutSeconds: 3 }]);
  });

  it.each([
    ['', 'missing "target" parameter'],
    ['?target=', 'missing "target" parameter'],
    ['?target=evil.example.com%3A58846', 'unknown target "evil.example.com:58846"'],
    ['?target=nas&target=seedbox', '"target" must be given exactly once'],
  ])('/probe%s is a 400 naming the configured targets, and scrapes nothing', async (query, reason) => {
    const scraper = healthyScraper();
    const { baseUrl } = await start(scraper);
    const response = await fetch(`${baseUrl}/probe${query}`);
    expect(response.status).toBe(400);
    expect(await response.text()).toBe(`${reason}; configured targets: "seedbox", "nas", "<b>x</b>&\\""\n`);
    expect(scraper.requests).toEqual([]);
  });
});

describe('other routes', () => {
  it('/healthz is always ok', async () => {
    const { baseUrl } = await start(healthyScraper(), false);
    const response = await fetch(`${baseUrl}/healthz`);
    expect([response.status, await response.text()]).toEqual([200, 'ok\n']);
  });

  it('/readyz follows ready()', async () => {
    const notReady = await start(healthyScraper(), false);
    expect((await fetch(`${notReady.baseUrl}/readyz`)).status).toBe(503);
    const ready = await start(healthyScraper(), true);
    expect((await fetch(`${ready.baseUrl}/readyz`)).status).toBe(200);
  });

  it('/ lists daemons HTML-escaped, with the version and no secrets', async () => {
    const { baseUrl } = await start(healthyScraper());
    const response = await fetch(`${baseUrl}/`);
    const body = await response.text();
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expect(body).toContain('<td>10.0.0.2:58846</td>');
    expect(body).toContain('href="probe?target=nas">nas</a>');
    expect(body).toContain('&#60;b&#62;x&#60;/b&#62;&#38;&#34;');
    expect(body).not.toContain('<b>x</b>');
    expect(body).toContain(`Version ${VERSION}`);
    expect(body).not.toContain(PASSWORD);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    const { baseUrl } = await start(healthyScraper());
    expect((await fetch(`${baseUrl}/nope`)).status).toBe(404);
    const post = await fetch(`${baseUrl}/metrics`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${baseUrl}/metrics`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});

describe('/-/reload', () => {
  it('without --web.enable-lifecycle POST is a 403 and reloads nothing', async () => {
    const { baseUrl } = await start(healthyScraper(), true, null);
    const response = await fetch(`${baseUrl}/-/reload`, { method: 'POST' });
    expect([response.status, await response.text()]).toEqual([
      403,
      'lifecycle API is not enabled (start with --web.enable-lifecycle)\n',
    ]);
  });

  it('POST reloads and answers 200 ok', async () => {
    let reloads = 0;
    const { baseUrl } = await start(healthyScraper(), true, async () => {
      reloads += 1;
      return { ok: true };
    });
    const response = await fetch(`${baseUrl}/-/reload`, { method: 'POST' });
    expect([response.status, await response.text(), reloads]).toEqual([200, 'ok\n', 1]);
  });

  it('POST answers 500 with the one-line error when the reload fails', async () => {
    const message = 'config.yaml: daemons[0].port: expected integer 1..65535, got "abc"';
    const { baseUrl } = await start(healthyScraper(), true, async () => ({ ok: false, message }));
    const response = await fetch(`${baseUrl}/-/reload`, { method: 'POST' });
    expect([response.status, await response.text()]).toEqual([500, `${message}\n`]);
  });

  it.each(['GET', 'HEAD', 'PUT'])('%s is a 405 allowing only POST, and reloads nothing', async (method) => {
    let reloads = 0;
    const { baseUrl } = await start(healthyScraper(), true, async () => {
      reloads += 1;
      return { ok: true };
    });
    const response = await fetch(`${baseUrl}/-/reload`, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(reloads).toBe(0);
  });

  it('new requests use the state current() returns at that moment', async () => {
    const before = healthyScraper();
    const after = new FakeScraper(async () => upFamilies(['replacement']), ['replacement']);
    let state: ExporterState = { scraper: before, config };
    const app = createApp({
      current: () => state,
      reload: reloadOk,
      exporterMetrics: new ExporterMetrics({ defaultMetrics: false }),
      logger: createLogger({ level: 'error' }),
      ready: () => true,
    });
    const server = await listen(app, { host: '127.0.0.1', port: 0 });
    servers.push(server);
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    state = { scraper: after, config: { ...config, daemons: [testDaemon('replacement', PASSWORD, '10.0.0.9')] } };
    const metrics = await (await fetch(`${baseUrl}/metrics`)).text();
    expect(metrics).toContain('deluge_up{daemon="replacement"} 0');
    expect(before.requests).toEqual([]);
    const landing = await (await fetch(`${baseUrl}/`)).text();
    expect(landing).toContain('href="probe?target=replacement">replacement</a>');
    expect(landing).not.toContain('seedbox');
    expect((await fetch(`${baseUrl}/probe?target=replacement`)).status).toBe(200);
    expect((await fetch(`${baseUrl}/probe?target=seedbox`)).status).toBe(400);
    expect(after.requests).toEqual([{}, { target: 'replacement' }]);
  });
});

/** A GET with exactly the given headers (fetch would add and undo gzip by itself); the raw body bytes. */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () =>
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
      );
    }).on('error', reject);
  });
}

describe('gzip', () => {
  it.each(['gzip', 'gzip, deflate', 'deflate, gzip;q=0.5', '*'])(
    'Accept-Encoding %j: gzip, same text',
    async (accept) => {
      const { baseUrl } = await start(healthyScraper());
      const plain = await rawGet(`${baseUrl}/probe?target=seedbox`, {});
      const zipped = await rawGet(`${baseUrl}/probe?target=seedbox`, { 'accept-encoding': accept });
      expect(zipped.headers['content-encoding']).toBe('gzip');
      expect(zipped.headers.vary).toBe('Accept-Encoding');
      expect(gunzipSync(zipped.body).toString()).toBe(plain.body.toString());
      expect(plain.body.toString()).toContain('deluge_up{daemon="seedbox"} 1');
    },
  );

  it.each([undefined, 'identity', 'gzip;q=0', 'br', 'deflate'])('Accept-Encoding %j: plain text', async (accept) => {
    const { baseUrl } = await start(healthyScraper());
    const answer = await rawGet(`${baseUrl}/metrics`, accept === undefined ? {} : { 'accept-encoding': accept });
    expect(answer.status).toBe(200);
    expect(answer.headers['content-encoding']).toBeUndefined();
    expect(answer.headers.vary).toBe('Accept-Encoding');
    expect(answer.body.toString()).toContain('deluge_up{daemon="seedbox"} 1');
  });
});

describe('--web.telemetry-path', () => {
  it('serves the metrics there, not at /metrics; the landing page links to it', async () => {
    const { baseUrl } = await start(healthyScraper(), true, reloadOk, '/internal/deluge');
    const metrics = await fetch(`${baseUrl}/internal/deluge`);
    expect([metrics.status, (await metrics.text()).includes('deluge_up{daemon="seedbox"} 1')]).toEqual([200, true]);
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${baseUrl}/internal/deluge`, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`${baseUrl}/`)).text()).toContain('<a href="internal/deluge">');
  });

  it('must be a path of its own', () => {
    expect(parseTelemetryPath('/m')).toBe('/m');
    for (const bad of ['metrics', '/probe', '/', '/-/reload', '/a b', '/a?b', '']) {
      expect(() => parseTelemetryPath(bad)).toThrow(TelemetryPathError);
    }
  });
});
