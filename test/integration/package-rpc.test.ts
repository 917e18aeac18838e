import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { REPO_ROOT } from '../support/exporter-process.js';
import { packPackage, stagePackage } from '../support/package-build.js';

// A consumer project that installs the packed package and imports the RPC client by its public name.
const CONSUMER = `import { DelugeClient, requests } from 'deluge-exporter/rpc';

const client = new DelugeClient({
  host: process.env.HOST ?? '',
  port: Number(process.env.PORT),
  username: process.env.USERNAME ?? '',
  password: process.env.PASSWORD ?? '',
});
await client.connect();
const version: string = await client.call(requests.daemon.info());
const count = Object.keys(await client.call(requests.core.getTorrentsStatus({}, ['name']))).length;
await client.close();
process.stdout.write(JSON.stringify({ version, count }));
`;

describe('deluge-exporter/rpc from an installed package', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-pack-'));
  const consumer = join(scratch, 'consumer');
  let daemon: DaemonHandle;

  beforeAll(async () => {
    const staged = join(scratch, 'staged');
    stagePackage(staged);
    const tarball = packPackage(staged, scratch);
    mkdirSync(consumer);
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // @types/node as the project pins it: a consumer of the declarations has its own.
    const typesNode = JSON.parse(readFileSync(join(REPO_ROOT, 'node_modules/@types/node/package.json'), 'utf8')) as {
      version: string;
    };
    const install = [
      'install',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      tarball,
      `@types/node@${typesNode.version}`,
    ];
    execFileSync('npm', install, {
      cwd: consumer,
      stdio: 'pipe',
    });
    writeFileSync(join(consumer, 'main.ts'), CONSUMER);
    daemon = await startDaemon();
  }, 300_000);

  afterAll(async () => {
    await stopAllDaemons();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('type-checks against the shipped declarations', () => {
    const tsc = join(REPO_ROOT, 'node_modules/typescript/bin/tsc');
    const options = ['--strict', '--noEmit', '--module', 'nodenext', '--target', 'es2022', '--types', 'node'];
    const check = (file: string) =>
      spawnSync(process.execPath, [tsc, ...options, file], { cwd: consumer, encoding: 'utf8' });
    const right = check('main.ts');
    expect(right.stdout).toBe('');
    expect(right.status).toBe(0);
    // The declarations are what makes it pass: a wrong use is refused.
    writeFileSync(
      join(consumer, 'wrong.ts'),
      `import { DelugeClient } from 'deluge-exporter/rpc';\nnew DelugeClient(42);\n`,
    );
    const wrong = check('wrong.ts');
    expect(wrong.stdout).toMatch(/^wrong\.ts\(2,18\): error TS2345: .*'DelugeClientOptions'/);
    expect(wrong.status).toBe(2);
  }, 120_000);

  it('talks to a real deluged and gets the answers the daemon gives the project itself', async () => {
    writeFileSync(join(consumer, 'main.mjs'), CONSUMER.replace(': string', ''));
    const output = execFileSync(process.execPath, ['main.mjs'], {
      cwd: consumer,
      encoding: 'utf8',
      env: {
        ...process.env,
        HOST: daemon.host,
        PORT: String(daemon.port),
        USERNAME: daemon.admin.username,
        PASSWORD: daemon.admin.password,
      },
    });
    const client = await connectClient(daemon);
    const version = await client.call(requests.daemon.info());
    const count = Object.keys(await client.call(requests.core.getTorrentsStatus({}, ['name']))).length;
    await client.close();
    expect(JSON.parse(output)).toEqual({ version, count });
  });

  it('exposes only the rpc entry and package.json', () => {
    const resolve = (specifier: string) =>
      execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(specifier)})`], {
        cwd: consumer,
        stdio: 'pipe',
      });
    expect(() => resolve('deluge-exporter/rpc')).not.toThrow();
    expect(() => resolve('deluge-exporter/dist/rpc/client.js')).toThrow(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });
});
