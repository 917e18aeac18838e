import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryFlagsToSet } from '../../src/cli/memory-defaults.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { findFreePort } from '../harness/ports.js';
import { REPO_ROOT, scrape } from '../support/exporter-process.js';
import { runExporterAs } from '../support/run-as-user.js';
import { readUnitFile, unitEnvironment } from '../support/systemd-unit.js';

// The unit's ExecStart and Environment run as systemd would start them for the unit: an unprivileged
// user (DynamicUser's stand-in, uid 65534) whose one supplementary group is the daemon's, reading
// Deluge's own auth file through that group (mode 0640, as docs/deployment.md tells to set it).
const unit = readUnitFile(join(REPO_ROOT, 'deploy/systemd/deluge-exporter.service'));
const service = unit.get('Service') ?? new Map<string, readonly string[]>();
const DELUGE_GROUP = 54_321;
const SERVICE_USER = 65_534;

describe('the systemd unit’s command and environment against a real deluged', () => {
  let daemon: DaemonHandle;
  let port = 0;
  const localclient = { username: 'localclient', password: randomBytes(12).toString('hex'), level: 10 };

  beforeAll(async () => {
    daemon = await startDaemon({ accounts: [localclient] });
    chownSync(daemon.configDir, 0, DELUGE_GROUP);
    chmodSync(daemon.configDir, 0o750);
    chownSync(join(daemon.configDir, 'auth'), 0, DELUGE_GROUP);
    chmodSync(join(daemon.configDir, 'auth'), 0o640);
    port = await findFreePort();
  });

  afterAll(stopAllDaemons);

  const run = (groups: number[]) => {
    const [node, script, ...args] = (service.get('ExecStart')?.[0] ?? '').split(' ') as [string, string, ...string[]];
    expect([node, script]).toEqual(['/usr/bin/node', '/opt/deluge-exporter/dist/cli.js']);
    const env = {
      ...unitEnvironment(unit),
      DELUGE_PORT: String(daemon.port),
      DELUGE_CONFIG_DIR: daemon.configDir,
    };
    const exporterArgs = args.map((arg) => (arg === ':9354' ? `127.0.0.1:${port}` : arg));
    return runExporterAs({ uid: SERVICE_USER, gid: SERVICE_USER, groups }, exporterArgs, env);
  };

  it('refuses to start without the group: the auth file is unreadable', async () => {
    const { exited, output } = run([]);
    expect(await exited).toBe(1);
    expect(output()).toContain(daemon.configDir);
    expect(output()).not.toContain(localclient.password);
  });

  it('logs in as localclient with the password read through the group and exports the daemon', async () => {
    const { child, exited, output } = run([DELUGE_GROUP]);
    try {
      let result: Awaited<ReturnType<typeof scrape>> | undefined;
      for (let attempt = 0; attempt < 150 && result === undefined; attempt++) {
        result = await scrape(`http://127.0.0.1:${port}/metrics`).catch(() => undefined);
        if (result === undefined) await sleep(200);
      }
      const up = result?.exposition.samples.find((s) => s.name === 'deluge_up');
      expect(up?.value, output()).toBe(1);
      expect(output()).not.toContain(localclient.password);
      // The exporter's own V8 heap defaults, as the unit starts it.
      // The defaults for the Node.js that runs it (the one running these tests).
      const heapFlags = memoryFlagsToSet([], undefined, Number(process.versions.node.split('.')[0]));
      expect(output()).toContain(`"heapFlags":${JSON.stringify(heapFlags)}`);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
