import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFlagsToSet } from '../../src/cli/memory-defaults.js';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { addTorrent, knownAccountLevels } from '../harness/deluge-calls.js';
import { makeTorrent } from '../harness/torrent.js';
import { REPO_ROOT, scrape } from '../support/exporter-process.js';
import { sampleValue } from '../support/exposition.js';

/** Deluge's default RPC port: the exporter's embedded default. */
const DEFAULT_PORT = 58846;
const DEFAULT_DAEMON_NAME = `127.0.0.1:${DEFAULT_PORT}`;

/** The exporter's default listen port, from the README. */
const EXPORTER_PORT = 9354;
const README_RUN_COMMAND = ['npm', 'start'] as const;

/**
 * Runs the README's run command (`npm start`: build, then `node dist/cli.js`) from the repository root
 * in its own process group, with a clean environment plus `env`, and waits until `/readyz` answers.
 */
async function startReadmeCommand(env: Record<string, string>): Promise<{ stop(): Promise<void>; output(): string }> {
  const cleanEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('DELUGE_') && key !== 'NODE_OPTIONS'),
  );
  const child = spawn(README_RUN_COMMAND[0], README_RUN_COMMAND.slice(1), {
    cwd: REPO_ROOT,
    env: { ...cleanEnv, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += String(chunk)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // the group is already gone
      }
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
  };
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${README_RUN_COMMAND.join(' ')} exited early:\n${output}`);
    const ready = await fetch(`http://127.0.0.1:${EXPORTER_PORT}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return { stop, output: () => output };
    await sleep(250);
  }
  await stop();
  throw new Error(`${README_RUN_COMMAND.join(' ')} did not become ready on :${EXPORTER_PORT}:\n${output}`);
}

describe('the README quick start: no config, a local deluged with its default auth file', () => {
  let daemon: DaemonHandle;
  let exporter: Awaited<ReturnType<typeof startReadmeCommand>>;
  let torrentBytes: number;

  beforeAll(async () => {
    daemon = await startDaemon({
      port: DEFAULT_PORT,
      // First in the auth file and at another level: the exporter's login level says which one it used.
      accounts: [
        { username: 'user5', password: randomBytes(12).toString('hex'), level: 5 },
        { username: 'localclient', password: randomBytes(20).toString('hex'), level: 10 },
      ],
    });
    const torrent = makeTorrent({ name: 'readme-check.bin', length: 48 * 1024 });
    torrentBytes = torrent.totalLength;
    const client = await connectClient(daemon);
    try {
      await addTorrent(client, torrent, { add_paused: true });
    } finally {
      await client.close();
    }
    exporter = await startReadmeCommand({ DELUGE_CONFIG_DIR: daemon.configDir });
  });

  afterAll(async () => {
    await exporter?.stop();
    await stopAllDaemons();
  });

  it('logs in as localclient on 127.0.0.1:58846 and exports deluge_up 1', async () => {
    expect(readFileSync(join(daemon.configDir, 'auth'), 'utf8')).toMatch(/^localclient:[^:\n]+:10$/m);
    const { status, exposition } = await scrape(`http://127.0.0.1:${EXPORTER_PORT}/metrics`);
    expect(status).toBe(200);
    expect(sampleValue(exposition, 'deluge_up', { daemon: DEFAULT_DAEMON_NAME })).toBe(1);

    const client = await connectClient(daemon);
    try {
      // The level the daemon answered the exporter's login with is localclient's, not the other account's.
      const levels = await knownAccountLevels(client);
      expect(levels).toMatchObject({ user5: 5, localclient: 10 });
      expect(sampleValue(exposition, 'deluge_login_auth_level', { daemon: DEFAULT_DAEMON_NAME })).toBe(
        levels.localclient,
      );
      const torrents = await client.call(requests.core.getTorrentsStatus({}, ['state', 'total_wanted']));
      const paused = Object.values(torrents).filter((status) => status.state === 'Paused').length;
      expect(paused).toBe(1);
      expect(sampleValue(exposition, 'deluge_torrents', { daemon: DEFAULT_DAEMON_NAME, state: 'Paused' })).toBe(paused);
      expect(sampleValue(exposition, 'deluge_torrents_wanted_bytes', { daemon: DEFAULT_DAEMON_NAME })).toBe(
        torrentBytes,
      );
    } finally {
      await client.close();
    }
    expect(exporter.output()).not.toMatch(/"level":"(warn|error)"/);
  });

  it("runs dist/cli.js with the exporter's V8 heap default (NODE_OPTIONS cleared)", () => {
    // The defaults for the Node.js that runs it (the one running these tests).
    const heapFlags = memoryFlagsToSet([], undefined, Number(process.versions.node.split('.')[0]));
    expect(exporter.output()).toContain(`"heapFlags":${JSON.stringify(heapFlags)}`);
  });
});
