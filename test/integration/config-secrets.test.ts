import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig } from '../../src/config/load.js';
import { type ExporterHandle, startExporter, stopAllExporters } from '../support/exporter-process.js';
import { runTsx } from '../support/run-node.js';
import { OTHER_SECRET_CASES, SECRET_TOKEN, YAML_ERROR_CASES } from '../support/yaml-secret-cases.js';

const ALL_CASES = Object.entries({ ...YAML_ERROR_CASES, ...OTHER_SECRET_CASES });
/** A valid config; the daemon port has nothing listening (the test is about config errors, not scrapes). */
const GOOD_CONFIG =
  'daemons:\n  - name: only\n    host: 127.0.0.1\n    port: 9\n    username: exporter\n    password: fine\n';
const RELOAD_METRIC = 'deluge_exporter_config_last_reload_successful';

/** The loader's own message for a config file (its positions are checked against the yaml library's in the unit tests). */
function loaderMessage(path: string): string {
  try {
    loadConfig({
      argvConfigPath: path,
      env: {},
      readFile: (file) => readFileSync(file, 'utf8'),
      homedir: tmpdir(),
      platform: process.platform,
    });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error(`${path} loaded without an error`);
}

describe('a password in a broken YAML config never leaves the process', () => {
  let workDir: string;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'deluge-exporter-secrets-'));
    exporter = await startExporter({ configYaml: GOOD_CONFIG, args: ['--web.enable-lifecycle'] });
  });

  afterAll(async () => {
    await stopAllExporters();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('at start-up: exit 1, nothing on stdout, one line on stderr: the file and, for YAML errors, line and column; never the token', {
    timeout: 180_000,
  }, async () => {
    const queue = [...ALL_CASES];
    const run = async () => {
      for (let entry = queue.shift(); entry !== undefined; entry = queue.shift()) {
        const [name, text] = entry;
        const path = join(workDir, `${name.replaceAll(' ', '-')}.yaml`);
        writeFileSync(path, text);
        const { code, stdout, stderr } = await runTsx(['src/cli.ts', '--config', path]);
        expect([name, code, stdout]).toEqual([name, 1, '']);
        const message = loaderMessage(path);
        expect(message.startsWith(`${path}: `)).toBe(true);
        if (name in YAML_ERROR_CASES) expect(message).toMatch(/: invalid YAML at line [1-9]\d*, column [1-9]\d*: /);
        // How deep the yaml library gets before giving up depends on the stack: that column may differ.
        const comparable = (text: string) =>
          name === 'RESOURCE_EXHAUSTION' ? text.replace(/column \d+/, 'column N') : text;
        expect([name, comparable(stderr)]).toEqual([name, comparable(`deluge-exporter: ${message}\n`)]);
        expect(stderr).not.toContain(SECRET_TOKEN);
      }
    };
    await Promise.all([run(), run(), run()]);
  });

  it('on reload (POST /-/reload and SIGHUP): answers, logs and pages stay clean', { timeout: 120_000 }, async () => {
    const configPath = exporter.configPath ?? '';
    const answers: string[] = [];
    for (const [name, text] of ALL_CASES) {
      writeFileSync(configPath, text);
      const response = await fetch(`${exporter.url}/-/reload`, { method: 'POST' });
      const body = await response.text();
      expect([name, response.status]).toEqual([name, 500]);
      expect(body).toContain(`${configPath}: `);
      answers.push(body);

      const errorsBefore = exporter.logLines().filter((line) => line.msg === 'config reload failed').length;
      process.kill(exporter.pid as number, 'SIGHUP');
      while (exporter.logLines().filter((line) => line.msg === 'config reload failed').length === errorsBefore) {
        await sleep(20);
      }
      for (const path of ['/', '/healthz', '/readyz', '/-/reload', '/nope']) {
        const page = await fetch(`${exporter.url}${path}`);
        answers.push(`${page.status} ${[...page.headers].join(' ')} ${await page.text()}`);
      }
    }
    for (const path of ['/metrics', '/probe?target=only']) {
      const page = await fetch(`${exporter.url}${path}`);
      answers.push(`${page.status} ${[...page.headers].join(' ')} ${await page.text()}`);
    }
    const metrics = await exporter.scrape();
    expect(metrics.exposition.samples.find((sample) => sample.name === RELOAD_METRIC)?.value).toBe(0);
    // Every case was logged (POST and SIGHUP each), and nothing anywhere holds the token.
    const failures = exporter.logLines().filter((line) => line.msg === 'config reload failed');
    expect(failures).toHaveLength(ALL_CASES.length * 2);
    expect(answers.join('\n')).not.toContain(SECRET_TOKEN);
    expect(exporter.output()).not.toContain(SECRET_TOKEN);
  });
});
