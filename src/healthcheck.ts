/**
 * The container image's HEALTHCHECK: `node dist/healthcheck.js [PID]` GETs `/healthz` on the address the
 * exporter process (PID 1 by default) was started with (`--web.listen-address`), so a changed listen
 * address needs no changed health check. Exit 0 when healthy, 1 otherwise.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { DEFAULT_LISTEN_ADDRESS, parseListenAddress } from './server.js';

const TIMEOUT_MS = 4_000;

/** The `/healthz` URL of an exporter started with `exporterArgs` (its arguments after the script). */
export function healthzUrl(exporterArgs: readonly string[]): string {
  const { values } = parseArgs({
    args: [...exporterArgs],
    options: { 'web.listen-address': { type: 'string' } },
    strict: false,
  });
  const flag = values['web.listen-address'];
  const { host, port } = parseListenAddress(typeof flag === 'string' ? flag : DEFAULT_LISTEN_ADDRESS);
  return `http://${connectHost(host)}:${port}/healthz`;
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

async function main(): Promise<number> {
  const pid = process.argv[2] ?? '1';
  let url: string;
  try {
    url = healthzUrl(scriptArgs(readFileSync(`/proc/${pid}/cmdline`, 'utf8')));
  } catch (error) {
    process.stderr.write(`healthcheck: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    await response.arrayBuffer();
    return response.ok ? 0 : 1;
  } catch {
    process.stderr.write(`healthcheck: no answer from ${url}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main();
}
