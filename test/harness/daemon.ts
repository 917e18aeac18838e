import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { DelugeClient } from '../../src/rpc/client.js';
import { type DelugeInstall, daemonParentDir, delugedCommand, selectedInstall } from './deluge-versions.js';
import { HarnessProcess, type HarnessProcessHandle } from './harness-process.js';
import { claimPort, findFreePort, LOOPBACK } from './ports.js';
import { quietCoreConfig } from './quiet-config.js';

/** One line of the daemon's `auth` file. Level: 1 read-only, 5 normal, 10 admin. */
export interface DaemonAccount {
  readonly username: string;
  readonly password: string;
  readonly level: number;
}

/** Options of {@link startDaemon}. */
export interface StartDaemonOptions {
  /** Accounts written to `auth`; must include one level-10 account. Default: `admin` (10) and `user5` (5). */
  accounts?: readonly DaemonAccount[];
  /** How long to wait for the RPC port to accept a TLS handshake. Default 20 s. */
  readyTimeoutMs?: number;
  /** A fixed RPC port (e.g. Deluge's default 58846) instead of a free one; fails naming it when taken. */
  port?: number;
  /** Which Deluge to run. Default: the one `$TEST_DELUGE_VERSION` selects (see deluge-versions.ts). */
  install?: DelugeInstall;
  /**
   * Use (and keep) this `-c` directory instead of a fresh temporary one, e.g. to start again on the
   * torrents a previous daemon left there; `auth` and `core.conf` are rewritten, state is kept.
   */
  configDir?: string;
  /** Further `core.conf` settings over the quiet ones (e.g. queue limits, `enabled_plugins`). */
  coreConfig?: Readonly<Record<string, unknown>>;
}

/** A running (or stopped, restartable) `deluged` owned by the test process. */
export interface DaemonHandle extends HarnessProcessHandle {
  readonly host: string;
  /** RPC (TLS) port. */
  readonly port: number;
  /** BitTorrent listen port (TCP and uTP), already configured in `core.conf`. */
  readonly btPort: number;
  /** The daemon's `-c` directory (auth, core.conf, ssl/, state/, deluged.log). */
  readonly configDir: string;
  /** Download location configured for the daemon. */
  readonly dataDir: string;
  readonly accounts: readonly DaemonAccount[];
  /** The Deluge this daemon runs. */
  readonly install: DelugeInstall;
  /** The first level-10 account. */
  readonly admin: { readonly username: string; readonly password: string };
}

/** The daemon did not come up, or could not be configured. Carries the log tail in its message. */
export class DaemonStartError extends Error {
  override readonly name = 'DaemonStartError';
}

const DEFAULT_READY_TIMEOUT_MS = 20_000;

/** Every daemon started by this process and not yet disposed of. */
const registry = new Set<Daemon>();
/** Ports handed out by this process, never reused for another daemon. */
const usedPorts = new Set<number>();

function randomPassword(): string {
  return randomBytes(12).toString('hex');
}

function defaultAccounts(): DaemonAccount[] {
  return [
    { username: 'admin', password: randomPassword(), level: 10 },
    { username: 'user5', password: randomPassword(), level: 5 },
  ];
}

/** Deluge's config file format: a version object followed by the settings object. */
function delugeConfigFile(settings: object): string {
  return `${JSON.stringify({ file: 1, format: 1 })}${JSON.stringify(settings, null, 2)}`;
}

function tailOf(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
}

async function allocatePort(fixed?: number): Promise<number> {
  const port = fixed === undefined ? await findFreePort(usedPorts) : await claimPort(fixed, usedPorts);
  usedPorts.add(port);
  return port;
}

function tlsHandshake(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: timeoutMs });
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('secureConnect', () => finish(true));
    socket.once('error', () => finish(false));
    socket.once('timeout', () => finish(false));
  });
}

class Daemon extends HarnessProcess implements DaemonHandle {
  readonly host = LOOPBACK;
  readonly admin: { readonly username: string; readonly password: string };

  constructor(
    readonly port: number,
    readonly btPort: number,
    readonly configDir: string,
    readonly dataDir: string,
    readonly accounts: readonly DaemonAccount[],
    readonly install: DelugeInstall,
    private readonly readyTimeoutMs: number,
    private readonly keepFiles: boolean,
  ) {
    super();
    const admin = accounts.find((account) => account.level === 10);
    if (admin === undefined) throw new DaemonStartError('startDaemon needs at least one level-10 (admin) account');
    this.admin = { username: admin.username, password: admin.password };
  }

  private get logFile(): string {
    return join(this.configDir, 'deluged.log');
  }

  private get consoleFile(): string {
    return join(this.configDir, 'deluged.console.log');
  }

  logTail(lines = 40): string {
    return [tailOf(this.logFile, lines), tailOf(this.consoleFile, lines)].filter((text) => text !== '').join('\n');
  }

  /** Spawns deluged and waits until its RPC port completes a TLS handshake and the admin can log in. */
  async start(): Promise<void> {
    const args = ['-d', '-c', this.configDir, '-p', String(this.port), '-i', LOOPBACK, '-u', LOOPBACK];
    args.push('-L', 'warning', '-l', this.logFile);
    const [deluged, delugedArgs] = delugedCommand(this.install, args);
    const exitCode = this.spawnProcess(deluged, delugedArgs, this.consoleFile);

    const deadline = Date.now() + this.readyTimeoutMs;
    while (Date.now() < deadline) {
      if (exitCode() !== undefined) {
        throw new DaemonStartError(
          `deluged exited (${exitCode()}) before listening on ${this.port}\n${this.logTail()}`,
        );
      }
      if ((await tlsHandshake(this.host, this.port, 1_000)) && (await this.answersLogin())) return;
      await sleep(100);
    }
    await this.kill();
    throw new DaemonStartError(
      `deluged did not accept TLS on ${this.host}:${this.port} within ${this.readyTimeoutMs} ms\n${this.logTail()}`,
    );
  }

  /**
   * Whether the admin can log in now. A daemon (2.2 more often) can complete TLS handshakes a moment
   * before its RPC protocol answers, closing those first connections.
   */
  private async answersLogin(): Promise<boolean> {
    const client = new DelugeClient({ ...this.admin, host: this.host, port: this.port });
    try {
      await client.connect({ signal: AbortSignal.timeout(2_000) });
      return true;
    } catch {
      return false;
    } finally {
      await client.close();
    }
  }

  removeFiles(): void {
    if (this.keepFiles) return;
    rmSync(this.configDir, { recursive: true, force: true });
  }
}

/**
 * Starts a real `deluged` on loopback in a fresh temporary directory: writes `auth` and a quiet
 * `core.conf` (see `quietCoreConfig`), picks free RPC and BitTorrent ports, and waits until the RPC
 * port accepts TLS. The daemon is registered so {@link stopAllDaemons} (or process exit) ends it.
 *
 * @throws DaemonStartError if the process exits or does not listen in time; the message has the log tail
 */
export async function startDaemon(options: StartDaemonOptions = {}): Promise<DaemonHandle> {
  const accounts = options.accounts ?? defaultAccounts();
  const install = options.install ?? selectedInstall();
  const port = await allocatePort(options.port);
  const btPort = await allocatePort();
  const keepFiles = options.configDir !== undefined;
  const configDir = options.configDir ?? mkdtempSync(join(daemonParentDir(install, tmpdir()), 'deluged-test-'));
  const dataDir = join(configDir, 'data');
  await mkdir(dataDir, { recursive: true });
  const auth = accounts.map((account) => `${account.username}:${account.password}:${account.level}\n`).join('');
  writeFileSync(join(configDir, 'auth'), auth, { mode: 0o600 });
  const coreConfig = { ...quietCoreConfig(btPort, dataDir), ...options.coreConfig };
  writeFileSync(join(configDir, 'core.conf'), delugeConfigFile(coreConfig));

  let daemon: Daemon;
  try {
    const readyTimeoutMs = options.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
    daemon = new Daemon(port, btPort, configDir, dataDir, accounts, install, readyTimeoutMs, keepFiles);
  } catch (error) {
    if (!keepFiles) rmSync(configDir, { recursive: true, force: true });
    throw error;
  }
  registry.add(daemon);
  try {
    await daemon.start();
  } catch (error) {
    registry.delete(daemon);
    daemon.removeFiles();
    throw error;
  }
  return daemon;
}

/**
 * Ends every daemon this process started (SIGKILL: their state is thrown away anyway) and removes
 * their directories. Safe to call repeatedly; meant for `afterAll`.
 */
export async function stopAllDaemons(): Promise<void> {
  const daemons = [...registry];
  registry.clear();
  await Promise.all(
    daemons.map(async (daemon) => {
      await daemon.kill();
      daemon.removeFiles();
    }),
  );
}

process.on('exit', () => {
  for (const daemon of registry) {
    daemon.killNow();
    daemon.removeFiles();
  }
});
