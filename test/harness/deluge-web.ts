import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DaemonHandle } from './daemon.js';
import { type DelugeInstall, daemonParentDir, delugeWebCommand, selectedInstall } from './deluge-versions.js';
import { HarnessProcess, type HarnessProcessHandle } from './harness-process.js';
import { findFreePort, LOOPBACK } from './ports.js';

/** One line of the Web UI's host list: a daemon and the account the Web UI logs in with. */
export interface DelugeWebHost {
  /** 32 hex characters, as Deluge makes them. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
}

/** Options of {@link startDelugeWeb}. */
export interface StartDelugeWebOptions {
  /** The host list. Default: none. See {@link hostOf} for a harness daemon's line. */
  readonly hosts?: readonly DelugeWebHost[];
  /** Id of a host to connect to at start. Default: none (the Web UI waits for `web.connect`). */
  readonly connectTo?: string;
  /** The Web UI password. Default: a random one. */
  readonly password?: string;
  /** HTTPS with this certificate and key (PEM files). */
  readonly https?: { readonly certFile: string; readonly keyFile: string };
  /** `session_timeout` in seconds. Default deluge-web's 3600. */
  readonly sessionTimeoutSeconds?: number;
  /** Which Deluge to run. Default: the one `$TEST_DELUGE_VERSION` selects. */
  readonly install?: DelugeInstall;
  /** How long to wait for the port to answer. Default 30 s. */
  readonly readyTimeoutMs?: number;
}

/** A running deluge-web owned by the test process. */
export interface DelugeWebHandle extends HarnessProcessHandle {
  /** `http(s)://127.0.0.1:PORT/`, the URL a user configures. */
  readonly url: string;
  readonly port: number;
  readonly password: string;
  readonly configDir: string;
  readonly install: DelugeInstall;
}

/** deluge-web did not come up. Carries its log tail. */
export class DelugeWebStartError extends Error {
  override readonly name = 'DelugeWebStartError';
}

/** A host-list line for a harness daemon and one of its accounts (default: its admin). */
export function hostOf(daemon: DaemonHandle, account = daemon.admin): DelugeWebHost {
  return {
    id: randomBytes(16).toString('hex'),
    host: daemon.host,
    port: daemon.port,
    username: account.username,
    password: account.password,
  };
}

/** Deluge's config file format: a version object followed by the settings object. */
function delugeConfigFile(version: number, settings: object): string {
  return `${JSON.stringify({ file: version, format: 1 })}${JSON.stringify(settings, null, 2)}`;
}

/** Whether anything answers HTTP on the Web UI's JSON path. */
function answers(url: string): Promise<boolean> {
  const send = url.startsWith('https:') ? httpsRequest : request;
  return new Promise((resolve) => {
    const req = send(
      new URL('json', url),
      { method: 'POST', headers: { 'content-type': 'application/json' }, rejectUnauthorized: false, timeout: 1_000 },
      (response) => {
        response.resume();
        resolve(response.statusCode === 200);
      },
    );
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end('{"method": "auth.check_session", "params": [], "id": 0}');
  });
}

class DelugeWeb extends HarnessProcess implements DelugeWebHandle {
  constructor(
    readonly port: number,
    readonly url: string,
    readonly password: string,
    readonly configDir: string,
    readonly install: DelugeInstall,
    private readonly args: readonly string[],
    private readonly readyTimeoutMs: number,
  ) {
    super();
  }

  private get logFile(): string {
    return join(this.configDir, 'deluge-web.log');
  }

  logTail(lines = 40): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n') : '';
  }

  async start(): Promise<void> {
    const [program, programArgs] = delugeWebCommand(this.install, this.args);
    const exitCode = this.spawnProcess(program, programArgs, this.logFile);
    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitCode() !== undefined)
        throw new DelugeWebStartError(`deluge-web exited (${exitCode()})\n${this.logTail()}`);
      if (await answers(this.url)) return;
      await sleep(100);
    }
    await this.kill();
    throw new DelugeWebStartError(
      `deluge-web did not answer on ${this.url} in ${this.readyTimeoutMs} ms\n${this.logTail()}`,
    );
  }
}

const registry = new Set<DelugeWeb>();

/**
 * Starts deluge-web on a free loopback port and waits until its JSON path answers.
 * @throws DelugeWebStartError when it exits or does not answer in time; the message has its log tail
 */
export async function startDelugeWeb(options: StartDelugeWebOptions = {}): Promise<DelugeWebHandle> {
  const install = options.install ?? selectedInstall();
  const password = options.password ?? randomBytes(12).toString('hex');
  const configDir = mkdtempSync(join(daemonParentDir(install, tmpdir()), 'deluge-web-test-'));
  const salt = randomBytes(20).toString('hex');
  writeFileSync(
    join(configDir, 'web.conf'),
    delugeConfigFile(2, {
      pwd_salt: salt,
      pwd_sha1: createHash('sha1').update(salt).update(password).digest('hex'),
      default_daemon: options.connectTo ?? '',
      session_timeout: options.sessionTimeoutSeconds ?? 3600,
      first_login: false,
      https: options.https !== undefined,
      ...(options.https === undefined ? {} : { cert: options.https.certFile, pkey: options.https.keyFile }),
    }),
    { mode: 0o600 },
  );
  const hosts = (options.hosts ?? []).map((host) => [host.id, host.host, host.port, host.username, host.password]);
  writeFileSync(join(configDir, 'hostlist.conf'), delugeConfigFile(3, { hosts }), { mode: 0o600 });
  const port = await findFreePort();
  const args = ['-d', '-c', configDir, '-p', String(port), '-i', LOOPBACK, '-L', 'warning'];
  args.push(options.https === undefined ? '--no-ssl' : '--ssl');
  const url = `${options.https === undefined ? 'http' : 'https'}://${LOOPBACK}:${port}/`;
  const web = new DelugeWeb(port, url, password, configDir, install, args, options.readyTimeoutMs ?? 30_000);
  registry.add(web);
  try {
    await web.start();
  } catch (error) {
    registry.delete(web);
    rmSync(configDir, { recursive: true, force: true });
    throw error;
  }
  return web;
}

/** Ends every deluge-web this process started and removes their directories; meant for `afterAll`. */
export async function stopAllDelugeWebs(): Promise<void> {
  const webs = [...registry];
  registry.clear();
  await Promise.all(
    webs.map(async (web) => {
      await web.kill();
      rmSync(web.configDir, { recursive: true, force: true });
    }),
  );
}
