import type { Server } from 'node:http';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import {
  EXPOSITION_CONTENT_TYPE,
  type Exposition,
  joinExpositions,
  releaseExposition,
  renderFamilies,
  textExposition,
} from './collector/exposition.js';
import type { ExporterState, ReloadOutcome } from './collector/reload.js';
import type { ScrapeRequest, Scraper } from './collector/scraper-api.js';
import type { ExporterMetrics } from './exporter/metrics.js';
import { VERSION } from './exporter/version.js';
import type { BasicAuthenticator } from './http/basic-auth.js';
import { createWebServer } from './http/http-server.js';
import type { ListenAddress } from './http/listen-address.js';
import type { WebTlsConfig } from './http/web-config.js';
import type { Logger } from './log/logger.js';

/** What the HTTP app needs; all injected so tests can pass fakes. */
export interface AppDependencies {
  /** The configuration and scraper in force; read once per request, so a reload never splits a request. */
  readonly current: () => ExporterState;
  /** Re-reads the configuration (`POST /-/reload`); absent unless `--web.enable-lifecycle`, and then 403. */
  readonly reload?: () => Promise<ReloadOutcome>;
  readonly exporterMetrics: ExporterMetrics;
  readonly logger: Logger;
  /** True once the config is loaded and the server listens; drives `/readyz`. */
  readonly ready: () => boolean;
  /** From `--web.config.file`: basic authentication of every request and extra response headers. */
  readonly web?: WebAccess;
  /** Where `/metrics` is served (`--web.telemetry-path`). Default `/metrics`. */
  readonly telemetryPath?: string;
}

/** The request-level part of the web configuration. */
export interface WebAccess {
  readonly authenticator: BasicAuthenticator;
  readonly headers: Readonly<Record<string, string>>;
}

const SCRAPE_TIMEOUT_HEADER = 'X-Prometheus-Scrape-Timeout-Seconds';
const RELOAD_ROUTE = '/-/reload';
/** Paths `--web.telemetry-path` must not take. */
export const RESERVED_PATHS = ['/', '/probe', '/healthz', '/readyz', RELOAD_ROUTE] as const;
export const DEFAULT_TELEMETRY_PATH = '/metrics';
/**
 * zlib options of gzip answers (docs/benchmarks.md "gzip"): level 1 costs a third of the default's
 * CPU for 7 % more bytes; a 4 KiB window instead of 32 KiB made a real deluged's 2,000-torrent answer
 * 5 % smaller for 25–40 % less CPU, as an exposition repeats itself from line to line. Output chunks
 * of 64 KiB have ArrayBuffers of their own, which `releaseExposition` can give back once sent (a
 * smaller one comes from Node's untransferable Buffer pool).
 */
export const GZIP_OPTIONS = { level: 1, windowBits: 12, chunkSize: 64 * 1024 } as const;

/** A `--web.telemetry-path` that is not an absolute URL path of its own. */
export class TelemetryPathError extends Error {
  override readonly name = 'TelemetryPathError';
}

/**
 * Checks a `--web.telemetry-path` value: starts with `/`, no spaces, `?` or `#`, not another endpoint.
 * @throws {TelemetryPathError} saying why
 */
export function parseTelemetryPath(path: string): string {
  if (!/^\/[^\s?#]*$/.test(path)) {
    throw new TelemetryPathError(
      `must be a URL path starting with "/" (no spaces, "?" or "#"), got ${JSON.stringify(path)}`,
    );
  }
  if ((RESERVED_PATHS as readonly string[]).includes(path)) {
    throw new TelemetryPathError(`${JSON.stringify(path)} is another endpoint of the exporter`);
  }
  return path;
}

/** The Prometheus scrape timeout header as seconds, or `undefined` when absent or not a positive number. */
export function parseScrapeTimeoutHeader(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+(?:\.\d+)?\s*$/.test(value)) return undefined;
  const seconds = Number(value);
  return seconds > 0 ? seconds : undefined;
}

/**
 * Why a `/probe` query's `target` is unacceptable, or `undefined` when it names exactly one configured daemon.
 * The reason lists the configured targets.
 */
export function probeTargetProblem(target: unknown, daemonNames: readonly string[]): string | undefined {
  if (typeof target === 'string' && daemonNames.includes(target)) return undefined;
  const configured = `configured targets: ${daemonNames.map((name) => JSON.stringify(name)).join(', ')}`;
  if (target === undefined || target === '') return `missing "target" parameter; ${configured}`;
  if (typeof target !== 'string') return `"target" must be given exactly once; ${configured}`;
  const shown = target.length > 100 ? `${target.slice(0, 100)}...` : target;
  return `unknown target ${JSON.stringify(shown)}; ${configured}`;
}

/** `exposition` gzip-compressed, chunk by chunk (the text is never one string or one buffer). */
async function gzipExposition(exposition: Exposition): Promise<Buffer[]> {
  const compressed: Buffer[] = [];
  for await (const chunk of Readable.from(exposition).pipe(createGzip(GZIP_OPTIONS))) compressed.push(chunk);
  return compressed;
}

/**
 * Sends an exposition, gzip-compressed when the request accepts it, with its length. Its chunks
 * give their memory back as soon as they are compressed, and what was sent once it is all written.
 */
async function sendExposition(request: Request, response: Response, exposition: Exposition): Promise<void> {
  response.status(200).type(EXPOSITION_CONTENT_TYPE).vary('Accept-Encoding');
  let body = exposition;
  if (request.acceptsEncodings('gzip', 'identity') === 'gzip') {
    response.set('Content-Encoding', 'gzip');
    body = await gzipExposition(exposition);
    releaseExposition(exposition);
  }
  response.set('Content-Length', String(body.reduce((sum, chunk) => sum + chunk.length, 0)));
  response.once('finish', () => releaseExposition(body));
  for (const chunk of body) response.write(chunk);
  response.end();
}

/** Builds the express app; `listen` starts it. */
export function createApp({
  current,
  reload,
  exporterMetrics,
  logger,
  ready,
  web,
  telemetryPath = DEFAULT_TELEMETRY_PATH,
}: AppDependencies): Express {
  const getRoutes = [...RESERVED_PATHS.filter((path) => path !== RELOAD_ROUTE), telemetryPath];
  const app = express();
  app.disable('x-powered-by');
  // Express would SHA-1 every answer for an ETag: ~12 ms per 4.6 MB exposition, and no scraper
  // revalidates (every scrape has new values).
  app.set('etag', false);

  app.use((request: Request, response: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      logger.debug(
        {
          http_method: request.method,
          path: request.path,
          status: response.statusCode,
          duration_seconds: Number(process.hrtime.bigint() - started) / 1e9,
        },
        'http request',
      );
    });
    next();
  });

  if (web !== undefined) {
    app.use((_request: Request, response: Response, next: NextFunction) => {
      response.set(web.headers);
      next();
    });
  }
  if (web?.authenticator.enabled) {
    const { authenticator } = web;
    app.use(async (request: Request, response: Response, next: NextFunction) => {
      if (await authenticator.check(request.get('authorization'))) {
        next();
        return;
      }
      response
        .status(401)
        .set('WWW-Authenticate', 'Basic realm="deluge-exporter"')
        .type('text/plain')
        .send('unauthorized\n');
    });
  }

  const serveFamilies = async (
    scraper: Scraper,
    request: Request,
    response: Response,
    scrapeRequest: ScrapeRequest,
    withExporterMetrics: boolean,
  ) => {
    const daemons = renderFamilies(await scraper.scrape(scrapeRequest));
    const body = withExporterMetrics
      ? joinExpositions(daemons, textExposition(await exporterMetrics.registry.metrics()))
      : daemons;
    await sendExposition(request, response, body);
  };

  app.get(telemetryPath, async (request, response) => {
    await serveFamilies(current().scraper, request, response, scrapeRequestFor(request), true);
  });

  app.get('/probe', async (request, response) => {
    const { scraper, config } = current();
    const target = request.query.target;
    const problem = probeTargetProblem(target, scraper.daemonNames);
    if (problem !== undefined) {
      response.status(400).type('text/plain').send(`${problem}\n`);
      return;
    }
    const scrapeRequest = scrapeRequestFor(request);
    const daemon = config.daemons.find((candidate) => candidate.name === target);
    if (request.query.debug === 'true' && daemon !== undefined) {
      // Loaded on the first debug probe: no scrape needs it.
      const { debugProbe } = await import('./http/probe-debug.js');
      const text = await debugProbe({ scraper, config, daemon, version: VERSION, ...scrapeRequest });
      response.status(200).type('text/plain').send(text);
      return;
    }
    await serveFamilies(scraper, request, response, { ...scrapeRequest, target: target as string }, false);
  });

  app.get('/healthz', (_request, response) => {
    response.type('text/plain').send('ok\n');
  });

  app.get('/readyz', (_request, response) => {
    const isReady = ready();
    response
      .status(isReady ? 200 : 503)
      .type('text/plain')
      .send(isReady ? 'ready\n' : 'not ready\n');
  });

  app.get('/', async (_request, response) => {
    const { config, scraper } = current();
    // Loaded on the first visit: no scrape needs it.
    const { renderLandingPage } = await import('./http/landing-page.js');
    const page = renderLandingPage({
      daemons: config.daemons,
      statuses: scraper.daemonStatus(),
      version: VERSION,
      metricsPath: telemetryPath,
      nowMs: Date.now(),
    });
    response.type('html').send(page);
  });

  app.post(RELOAD_ROUTE, async (_request, response) => {
    if (reload === undefined) {
      response
        .status(403)
        .type('text/plain')
        .send('lifecycle API is not enabled (start with --web.enable-lifecycle)\n');
      return;
    }
    const outcome = await reload();
    if (outcome.ok) response.type('text/plain').send('ok\n');
    else response.status(500).type('text/plain').send(`${outcome.message}\n`);
  });

  app.use((request: Request, response: Response) => {
    if (request.path === RELOAD_ROUTE) {
      response.status(405).set('Allow', 'POST').type('text/plain').send('method not allowed\n');
      return;
    }
    if (getRoutes.includes(request.path)) {
      response.status(405).set('Allow', 'GET, HEAD').type('text/plain').send('method not allowed\n');
      return;
    }
    response.status(404).type('text/plain').send('not found\n');
  });

  // Express needs all four parameters to recognise an error handler.
  app.use((err: unknown, request: Request, response: Response, _next: NextFunction) => {
    logger.error({ err, path: request.path }, 'request failed');
    if (!response.headersSent) response.status(500).type('text/plain').send('internal error\n');
  });

  return app;
}

function scrapeRequestFor(request: Request): ScrapeRequest {
  const prometheusTimeoutSeconds = parseScrapeTimeoutHeader(request.get(SCRAPE_TIMEOUT_HEADER));
  return prometheusTimeoutSeconds === undefined ? {} : { prometheusTimeoutSeconds };
}

/**
 * Starts `app` on `address` (HTTPS when `tls` is given); resolves once listening.
 * @throws the listen error (e.g. EADDRINUSE)
 */
export function listen(app: Express, address: ListenAddress, tls?: WebTlsConfig): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createWebServer(app, tls);
    server.once('error', reject);
    server.listen({ port: address.port, host: address.host }, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
