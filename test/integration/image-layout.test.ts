import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEMORY_DEFAULTS } from '../../src/cli/memory-defaults.js';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { findFreePort } from '../harness/ports.js';
import { argsOf, copiesOf, envOf, execForm, parseDockerfile, type Stage } from '../support/dockerfile.js';
import { REPO_ROOT, scrape } from '../support/exporter-process.js';
import {
  installedPackages,
  lockfileProductionPackages,
  nodeBinary,
  stagePackage,
  testedNodeVersions,
} from '../support/package-build.js';

// The Dockerfile, read as the build would: its stages are assembled here from the same inputs, without
// a Docker engine, and the runtime stage's ENTRYPOINT and HEALTHCHECK are run as the image runs them.
const stages = parseDockerfile(readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8'));
const runtime = stages.at(-1) as Stage;
const stageNamed = (name: string) => stages.find((stage) => stage.name === name);
const WORKDIR = '/app';
// The node images' unprivileged "node" user.
const IMAGE_USERS: Readonly<Record<string, number>> = { node: 1000 };
const packageJson = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

describe('the Dockerfile', () => {
  it('builds on the newest Node.js major the unit tests run on, in separate build, deps and runtime stages', () => {
    const newest = testedNodeVersions().at(-1) as string;
    const major = newest.split('.')[0];
    for (const stage of stages) expect(stage.image).toMatch(new RegExp(`^node:${major}-[a-z]+-slim$`));
    expect(stages.map((stage) => stage.name)).toEqual(['build', 'deps', undefined]);
    for (const stage of stages) expect(argsOf(stage, 'WORKDIR')).toEqual([WORKDIR]);
    expect(argsOf(stageNamed('deps') as Stage, 'RUN').join(' && ')).toMatch(/^npm ci --omit=dev /);
    expect(argsOf(runtime, 'RUN')).toEqual([]);
  });

  it('runs as a non-root user and sends only package*.json, tsconfig*.json, src/ and data/ as build context', () => {
    expect(argsOf(runtime, 'USER').map((user) => IMAGE_USERS[user])).toEqual([1000]);
    const contextSources = stages.flatMap((stage) =>
      copiesOf(stage)
        .filter((copy) => copy.from === undefined)
        .flatMap((copy) => copy.sources),
    );
    const allowed = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((line) => line.startsWith('!'))
      .map((line) => line.slice(1).replace(/\/$/, ''));
    expect(readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')).toMatch(/^\*$/m);
    expect([...new Set(contextSources)].sort()).toEqual(allowed.sort());
  });
});

describe('the image layout, assembled as the Dockerfile does and run against a real deluged', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-image-'));
  const appDir = join(scratch, 'app');
  const uid = IMAGE_USERS[argsOf(runtime, 'USER')[0] ?? ''] ?? 0;
  let node = '';
  let daemon: DaemonHandle;
  let exporter: ChildProcess | undefined;
  let exporterPort = 0;
  let exporterOutput = '';

  /** Where a runtime-stage COPY source comes from: another stage's directory or the build context. */
  const sourcePath = (from: string | undefined, source: string, stageDirs: Record<string, string>) => {
    if (from === undefined) return join(REPO_ROOT, source);
    const dir = stageDirs[from];
    if (dir === undefined) throw new Error(`COPY --from=${from}: no such stage`);
    return join(dir, source.replace(new RegExp(`^${WORKDIR}/`), ''));
  };
  /** The image's command line with /app mapped to the assembled layout and `node` to the image's Node.js. */
  const asRun = (command: readonly string[]) =>
    command.map((word) => (word === 'node' ? node : word.replace(new RegExp(`^${WORKDIR}/`), `${appDir}/`)));

  beforeAll(async () => {
    chmodSync(scratch, 0o755);
    node = nodeBinary(testedNodeVersions().at(-1) as string);
    const stageDirs = { build: join(scratch, 'build'), deps: join(scratch, 'deps') };
    stagePackage(stageDirs.build);
    mkdirSync(stageDirs.deps);
    for (const copy of copiesOf(stageNamed('deps') as Stage)) {
      for (const source of copy.sources) cpSync(join(REPO_ROOT, source), join(stageDirs.deps, source));
    }
    // The deps stage's own npm command line (its `npm cache clean` would empty this machine's cache).
    const [npmCi = ''] = argsOf(stageNamed('deps') as Stage, 'RUN')[0]?.split('&&') ?? [];
    execFileSync('npm', npmCi.trim().split(/\s+/).slice(1), { cwd: stageDirs.deps, stdio: 'pipe' });
    mkdirSync(appDir);
    for (const copy of copiesOf(runtime)) {
      const [source] = copy.sources;
      cpSync(sourcePath(copy.from, source as string, stageDirs), join(appDir, copy.destination), { recursive: true });
    }

    daemon = await startDaemon();
    // The password file as Kubernetes mounts a Secret with fsGroup: group-readable only, group = the user's.
    const secrets = join(scratch, 'secrets');
    mkdirSync(secrets, { mode: 0o755 });
    writeFileSync(join(secrets, 'seedbox-password'), `${daemon.admin.password}\n`, { mode: 0o440 });
    chownSync(join(secrets, 'seedbox-password'), 0, uid);
    const configFile = join(scratch, 'config.yaml');
    writeFileSync(
      configFile,
      JSON.stringify({
        daemons: [
          {
            name: 'seedbox',
            host: daemon.host,
            port: daemon.port,
            username: daemon.admin.username,
            password_file: join(secrets, 'seedbox-password'),
          },
        ],
      }),
      { mode: 0o444 },
    );

    exporterPort = await findFreePort();
    const entrypoint = asRun(execForm(argsOf(runtime, 'ENTRYPOINT')[0] as string));
    const env = envOf(runtime);
    // A private mount namespace whose root filesystem is read-only, and the image's unprivileged user.
    const script = 'mount -o remount,bind,ro / && exec setpriv --pdeathsig KILL "$@"';
    const user = ['--reuid', String(uid), '--regid', String(uid), '--clear-groups'];
    exporter = spawn(
      'unshare',
      [
        '--mount',
        '--propagation',
        'private',
        'sh',
        '-c',
        script,
        'sh',
        ...user,
        ...entrypoint,
        '--config',
        configFile,
        '--web.listen-address',
        `127.0.0.1:${exporterPort}`,
      ],
      { cwd: appDir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    exporter.stdout?.on('data', (chunk: Buffer) => {
      exporterOutput += chunk.toString();
    });
    exporter.stderr?.on('data', (chunk: Buffer) => {
      exporterOutput += chunk.toString();
    });
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && exporter.exitCode === null) {
      const ready = await fetch(`http://127.0.0.1:${exporterPort}/readyz`).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ready) return;
      await sleep(100);
    }
    throw new Error(`the image entrypoint did not become ready:\n${exporterOutput}`);
  }, 300_000);

  afterAll(async () => {
    exporter?.kill('SIGKILL');
    await stopAllDaemons();
    rmSync(scratch, { recursive: true, force: true });
  });

  const healthcheck = (pid: number | undefined) => {
    const [command, ...args] = asRun(execForm(argsOf(runtime, 'HEALTHCHECK')[0] as string)) as [string, ...string[]];
    return spawnSync(command, [...args, String(pid)], { encoding: 'utf8' });
  };

  it('installs exactly the lockfile production packages and no dev dependency', () => {
    const installed = installedPackages(join(appDir, 'node_modules'));
    expect(installed).toEqual(lockfileProductionPackages());
    for (const name of Object.keys(packageJson.devDependencies)) expect(installed).not.toContain(name);
    for (const name of Object.keys(packageJson.dependencies)) expect(installed).toContain(name);
    const deployment = readFileSync(join(REPO_ROOT, 'docs/deployment.md'), 'utf8').replace(/\s+/g, ' ');
    expect(deployment, 'docs/deployment.md states the production package count').toContain(
      `(\`npm ci --omit=dev --omit=optional\`: ${installed.length} packages,`,
    );
  });

  it('runs the entrypoint on the image Node.js as the unprivileged user with a read-only root filesystem', () => {
    const status = readFileSync(`/proc/${exporter?.pid}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
    const exe = spawnSync('readlink', [`/proc/${exporter?.pid}/exe`], { encoding: 'utf8' }).stdout.trim();
    expect(exe).toBe(node);
    const mounts = readFileSync(`/proc/${exporter?.pid}/mounts`, 'utf8').split('\n');
    const rootMount = mounts.find((line) => line.split(' ')[1] === '/') ?? '';
    expect(rootMount.split(' ')[3]?.split(',')).toContain('ro');
  });

  it('scrapes the daemon with the password read through the group-readable file', async () => {
    const client = await connectClient(daemon);
    const version = await client.call(requests.daemon.info());
    await client.close();
    const { status, exposition } = await scrape(`http://127.0.0.1:${exporterPort}/metrics`);
    expect(status).toBe(200);
    const sample = (name: string) => exposition.samples.find((s) => s.name === name && s.labels.daemon === 'seedbox');
    expect(sample('deluge_up')?.value).toBe(1);
    expect(sample('deluge_info')?.labels.version).toBe(version);
    const nodeVersion = exposition.samples.find((s) => s.name === 'nodejs_version_info')?.labels.version;
    expect(nodeVersion).toBe(`v${testedNodeVersions().at(-1)}`);
    expect(exporterOutput).not.toContain(daemon.admin.password);
  });

  it("runs with the exporter's own V8 defaults, TurboFan off on the image's Node.js", () => {
    const listening = exporterOutput.split('\n').find((line) => line.includes('"msg":"listening"')) ?? '{}';
    expect((JSON.parse(listening) as { heapFlags?: unknown }).heapFlags).toEqual(
      MEMORY_DEFAULTS.map((entry) => entry.flag),
    );
  });

  it('HEALTHCHECK asks the address the exporter was started with: healthy while it runs, not once it stopped', async () => {
    const healthy = healthcheck(exporter?.pid);
    expect(healthy.stderr).toBe('');
    expect(healthy.status).toBe(0);
    // A process started with another listen address, where nothing answers.
    const idle = join(scratch, 'idle.js');
    writeFileSync(idle, 'setTimeout(() => {}, 30_000);\n');
    const elsewhere = spawn(process.execPath, [idle, '--web.listen-address', `127.0.0.1:${await findFreePort()}`]);
    await sleep(200);
    const unhealthy = healthcheck(elsewhere.pid);
    elsewhere.kill('SIGKILL');
    expect(unhealthy.status).toBe(1);
    expect(unhealthy.stderr).toMatch(/^healthcheck: no answer from http:\/\/127\.0\.0\.1:\d+\/healthz\n$/);
  });
});
