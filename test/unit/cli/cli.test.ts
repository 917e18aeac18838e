import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../../src/exporter/version.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const SPAWN_TIMEOUT_MS = 30_000;

interface Outcome {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts the CLI through tsx in one node process (no npx wrapper), so signals reach it directly. */
function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DELUGE_')));
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
    cwd: root,
    // An empty config dir keeps the embedded default from finding the machine's real Deluge auth file.
    env: { ...cleanEnv, DELUGE_CONFIG_DIR: '/nonexistent/deluge-exporter-test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function finish(child: ChildProcess): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const runCli = (args: readonly string[], env?: NodeJS.ProcessEnv) => finish(startCli(args, env));

describe('deluge-exporter CLI', () => {
  it('--help lists the flags and env vars, exactly as docs/configuration.md shows them', {
    timeout: SPAWN_TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr } = await runCli(['--help']);
    expect([code, stderr]).toEqual([0, '']);
    for (const word of [
      '--config',
      '--web.listen-address',
      '--log.level',
      '--check-config',
      '--version',
      'DELUGE_PASSWORD_FILE',
    ]) {
      expect(stdout).toContain(word);
    }
    expect(readFileSync(`${root}docs/configuration.md`, 'utf8')).toContain(`\`\`\`\n${stdout}\`\`\``);
  });

  it('--version prints the package version', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const packageVersion = JSON.parse(readFileSync(`${root}package.json`, 'utf8')).version;
    expect(VERSION).toBe(packageVersion);
    expect(await runCli(['--version'])).toEqual({ code: 0, stdout: `deluge-exporter ${packageVersion}\n`, stderr: '' });
  });

  it('an unknown flag is a usage error naming it (exit 2)', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const { code, stdout, stderr } = await runCli(['--web.listen-adress', ':9000']);
    expect([code, stdout]).toEqual([2, '']);
    expect(stderr).toBe('deluge-exporter: unknown flag --web.listen-adress\nRun "deluge-exporter --help" for usage.\n');
  });

  it('--check-config with a good file prints a summary without secrets (exit 0)', {
    timeout: SPAWN_TIMEOUT_MS,
  }, async () => {
    const { code, stdout, stderr } = await runCli([
      '--config',
      'test/fixtures/config/good-full.yaml',
      '--check-config',
    ]);
    expect([code, stderr]).toEqual([0, '']);
    expect(stdout).toBe(
      'configuration OK: 2 daemon(s)\n' +
        '  seedbox: exporter@seedbox.example.net:58847 (timeout 4s, certificate checked)\n' +
        '  [::1]:58846: monitor@[::1]:58846 (timeout 7s)\n',
    );
    expect(stdout).not.toContain('inline-secret');
  });

  it('--check-config with a bad file prints the one-line error (exit 1)', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const { code, stdout, stderr } = await runCli(['--check-config', '--config', 'test/fixtures/config/bad-port.yaml']);
    expect([code, stdout]).toEqual([1, '']);
    expect(stderr).toBe(
      'deluge-exporter: test/fixtures/config/bad-port.yaml: daemons[0].port: expected integer 1..65535, got "abc"\n',
    );
  });

  it('without config or credentials, explains what it tried (exit 1)', { timeout: SPAWN_TIMEOUT_MS }, async () => {
    const { code, stderr } = await runCli(['--check-config']);
    expect(code).toBe(1);
    expect(stderr).toContain('tried /nonexistent/deluge-exporter-test/auth (ENOENT)');
    expect(stderr).toContain('pass --config FILE');
  });

  it('serves, reloads on SIGHUP, then shuts down cleanly on SIGTERM (exit 0)', {
    timeout: SPAWN_TIMEOUT_MS,
  }, async () => {
    // Port 1 on localhost refuses connections: the daemon is down, the exporter must still answer.
    const child = startCli(['--web.listen-address', '127.0.0.1:0'], {
      DELUGE_USERNAME: 'u',
      DELUGE_PASSWORD: 'cli-test-secret',
      DELUGE_PORT: '1',
      DELUGE_NAME: 'down',
    });
    const outcome = finish(child);
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout?.on('data', (chunk) => {
        buffered += String(chunk);
        const match = /"port":(\d+).*"msg":"listening"/.exec(buffered);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.once('close', () => reject(new Error(`exited before listening: ${buffered}`)));
    });
    const readiness = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readiness.status).toBe(200);
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(metrics.status).toBe(200);
    const body = await metrics.text();
    expect(body).toContain('deluge_up{daemon="down"} 0');
    expect(body).toContain('deluge_exporter_config_last_reload_successful 1');
    const reloaded = new Promise<string>((resolve) => {
      let buffered = '';
      child.stdout?.on('data', (chunk) => {
        buffered += String(chunk);
        const line = /^.*"msg":"config reloaded".*$/m.exec(buffered);
        if (line !== null) resolve(line[0]);
      });
    });
    child.kill('SIGHUP');
    expect(JSON.parse(await reloaded)).toMatchObject({ level: 'info', daemons: ['down'] });
    child.kill('SIGTERM');
    const { code, stdout } = await outcome;
    expect(code).toBe(0);
    expect(stdout).toContain('"msg":"shutting down"');
    expect(stdout).not.toContain('cli-test-secret');
  });

  it.each([
    [['--log.format', 'xml'], '--log.format must be one of json, logfmt, got "xml"'],
    [
      ['--web.telemetry-path', 'metrics'],
      '--web.telemetry-path: must be a URL path starting with "/" (no spaces, "?" or "#"), got "metrics"',
    ],
    [['--web.telemetry-path', '/probe'], '--web.telemetry-path: "/probe" is another endpoint of the exporter'],
  ])('%j is a usage error (exit 2)', { timeout: SPAWN_TIMEOUT_MS }, async (args, message) => {
    expect(await runCli(args)).toEqual({
      code: 2,
      stdout: '',
      stderr: `deluge-exporter: ${message}\nRun "deluge-exporter --help" for usage.\n`,
    });
  });

  it('--log.format logfmt and --web.telemetry-path: logfmt lines, metrics at the path', {
    timeout: SPAWN_TIMEOUT_MS,
  }, async () => {
    const child = startCli(
      ['--web.listen-address', '127.0.0.1:0', '--log.format', 'logfmt', '--web.telemetry-path', '/deluge'],
      { DELUGE_USERNAME: 'u', DELUGE_PASSWORD: 'cli-test-secret', DELUGE_PORT: '1', DELUGE_NAME: 'down' },
    );
    const outcome = finish(child);
    const port = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      child.stdout?.on('data', (chunk) => {
        buffered += String(chunk);
        const match = /^time=\S+ level=info msg=listening address=127\.0\.0\.1 port=(\d+) /m.exec(buffered);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.once('close', () => reject(new Error(`exited before listening: ${buffered}`)));
    });
    expect(await (await fetch(`http://127.0.0.1:${port}/deluge`)).text()).toContain('deluge_up{daemon="down"} 0');
    expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(404);
    child.kill('SIGTERM');
    const { code, stdout } = await outcome;
    expect(code).toBe(0);
    expect(stdout).toMatch(/^time=\S+ level=info msg="shutting down" signal=SIGTERM$/m);
    expect(stdout).not.toContain('{');
  });
});
