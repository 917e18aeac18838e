/**
 * The container image's HEALTHCHECK: `node dist/cli/healthcheck.js [PID]` GETs `/healthz` where the
 * exporter process (PID 1 by default) listens, read from how it was started: `--web.listen-address`,
 * else `LISTEN_ADDRESS`/`LISTEN_PORT` with the default port the exporter picked (8011 when
 * ngosang's `DELUGE_URL` configured it), and HTTPS when its `--web.config.file` turns TLS on. A changed
 * listen address or web configuration needs no changed health check. Exit 0 when healthy, 1 otherwise.
 */
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseListenAddress } from '../http/listen-address.js';
import { listenAddressWithoutFlag } from './listen-address.js';

const TIMEOUT_MS = 4_000;
/** 401: basic authentication is on and the health check holds no credentials, but the server answered. */
const HEALTHY_STATUSES: ReadonlySet<number> = new Set([200, 401]);

/** How the exporter process was started: its arguments after the script, its environment and working directory. */
export interface ExporterProcess {
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

function stringFlag(args: readonly string[], name: string): string | undefined {
  const { values } = parseArgs({ args: [...args], options: { [name]: { type: 'string' } }, strict: false });
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The `/healthz` URL of an exporter started as `exporter`; `readFile` reads its web configuration file
 * (whose loader is imported only then: a health check without one loads no validation library).
 */
export async function healthzUrl(
  exporter: ExporterProcess,
  readFile: (path: string) => string = readUtf8,
): Promise<string> {
  const address =
    stringFlag(exporter.args, 'web.listen-address') ??
    listenAddressWithoutFlag(exporter.env, stringFlag(exporter.args, 'config'));
  const { host, port } = parseListenAddress(address);
  const webConfigPath = stringFlag(exporter.args, 'web.config.file');
  const tls =
    webConfigPath !== undefined &&
    (await import('../http/web-config.js')).loadWebConfig(resolve(exporter.cwd, webConfigPath), readFile).tls;
  return `${tls ? 'https' : 'http'}://${connectHost(host)}:${port}/healthz`;
}

function readUtf8(path: string): string {
  return readFileSync(path, 'utf8');
}

/** Where to connect for a listen host: loopback for "all interfaces", the address itself otherwise. */
function connectHost(host: string | undefined): string {
  if (host === undefined || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** A process's arguments after the program and its script (`node /app/dist/cli.js ARGS...`). */
export function scriptArgs(cmdline: string): string[] {
  return cmdline
    .split('\0')
    .filter((part) => part !== '')
    .slice(2);
}

/** A process's environment from `/proc/PID/environ` (`KEY=VALUE`, NUL-separated). */
export function processEnv(environ: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const entry of environ.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}

/**
 * The status of `GET url`. The server's certificate is not verified: this asks a process on the
 * same host whether it serves, not whether its certificate is valid for other clients.
 */
function statusOf(url: string): Promise<number> {
  const get = url.startsWith('https:') ? httpsGet : httpGet;
  return new Promise((resolveStatus, reject) => {
    const request = get(url, { rejectUnauthorized: false, timeout: TIMEOUT_MS }, (response) => {
      response.resume();
      resolveStatus(response.statusCode ?? 0);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}

/** Whether the exporter at `url` answers as a live one; rejects when nothing answers. */
export async function isHealthy(url: string): Promise<boolean> {
  return HEALTHY_STATUSES.has(await statusOf(url));
}

async function main(): Promise<number> {
  const pid = process.argv[2] ?? '1';
  let url: string;
  try {
    url = await healthzUrl({
      args: scriptArgs(readFileSync(`/proc/${pid}/cmdline`, 'utf8')),
      env: processEnv(readFileSync(`/proc/${pid}/environ`, 'utf8')),
      cwd: `/proc/${pid}/cwd`,
    });
  } catch (error) {
    process.stderr.write(`healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    return (await isHealthy(url)) ? 0 : 1;
  } catch {
    process.stderr.write(`healthcheck: no answer from ${url}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
