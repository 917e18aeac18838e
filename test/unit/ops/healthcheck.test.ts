import { rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, describe, expect, it } from 'vitest';
import { healthzUrl, isHealthy, processEnv, scriptArgs } from '../../../src/cli/healthcheck.js';
import { ListenAddressError } from '../../../src/http/listen-address.js';
import { createTestPki } from '../../support/pki.js';

const pki = createTestPki();
afterAll(() => rmSync(pki.dir, { recursive: true, force: true }));

const started = (args: string[], env: NodeJS.ProcessEnv = {}) => ({ args, env, cwd: pki.dir });

describe('the image health check', () => {
  it('asks /healthz on loopback when the exporter listens on all interfaces or the default', async () => {
    expect(await healthzUrl(started([]))).toBe('http://127.0.0.1:9354/healthz');
    expect(await healthzUrl(started(['--config', '/etc/c.yaml', '--web.listen-address', ':9100']))).toBe(
      'http://127.0.0.1:9100/healthz',
    );
    expect(await healthzUrl(started(['--web.listen-address=0.0.0.0:8080']))).toBe('http://127.0.0.1:8080/healthz');
    expect(await healthzUrl(started(['--web.listen-address', '[::]:8080']))).toBe('http://[::1]:8080/healthz');
  });

  it('asks the very address when the exporter listens on one', async () => {
    expect(await healthzUrl(started(['--web.listen-address', '10.1.2.3:9354']))).toBe('http://10.1.2.3:9354/healthz');
    expect(await healthzUrl(started(['--web.listen-address', '[fd00::5]:9354']))).toBe('http://[fd00::5]:9354/healthz');
  });

  it("follows the reference exporter's LISTEN_ADDRESS / LISTEN_PORT, and the flag over them, as the exporter does", async () => {
    expect(await healthzUrl(started([], { LISTEN_PORT: '9179' }))).toBe('http://127.0.0.1:9179/healthz');
    expect(await healthzUrl(started([], { LISTEN_ADDRESS: '10.0.0.7', LISTEN_PORT: '9179' }))).toBe(
      'http://10.0.0.7:9179/healthz',
    );
    expect(await healthzUrl(started(['--web.listen-address', ':9100'], { LISTEN_PORT: '9179' }))).toBe(
      'http://127.0.0.1:9100/healthz',
    );
  });

  it("follows ngosang/deluge-exporter's default port 8011 when its DELUGE_URL configures the exporter", async () => {
    const ngosang = { DELUGE_URL: 'http://nas:8112', DELUGE_PASSWORD: 'x' };
    expect(await healthzUrl(started([], ngosang))).toBe('http://127.0.0.1:8011/healthz');
    expect(await healthzUrl(started([], { ...ngosang, LISTEN_ADDRESS: '10.0.0.7' }))).toBe(
      'http://10.0.0.7:8011/healthz',
    );
    expect(await healthzUrl(started([], { ...ngosang, LISTEN_PORT: '9179' }))).toBe('http://127.0.0.1:9179/healthz');
    // With --config the environment configures no daemon: our own default.
    expect(await healthzUrl(started(['--config', '/etc/c.yaml'], ngosang))).toBe('http://127.0.0.1:9354/healthz');
    expect(await healthzUrl(started(['--web.listen-address', ':9100'], ngosang))).toBe('http://127.0.0.1:9100/healthz');
  });

  it('asks over HTTPS when the web configuration file (relative to the working directory) turns TLS on', async () => {
    writeFileSync(join(pki.dir, 'tls.yml'), 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n');
    writeFileSync(join(pki.dir, 'auth-only.yml'), `basic_auth_users:\n  alice: ${bcrypt.hashSync('right horse', 4)}\n`);
    expect(await healthzUrl(started(['--web.config.file', 'tls.yml', '--web.listen-address', ':9100']))).toBe(
      'https://127.0.0.1:9100/healthz',
    );
    expect(await healthzUrl(started(['--web.config.file', join(pki.dir, 'auth-only.yml')]))).toBe(
      'http://127.0.0.1:9354/healthz',
    );
  });

  it('fails with the error the exporter itself would give', async () => {
    await expect(healthzUrl(started(['--web.listen-address', 'nonsense']))).rejects.toThrow(ListenAddressError);
    await expect(healthzUrl(started(['--web.config.file', 'missing.yml']))).rejects.toThrow(/missing\.yml/);
  });

  it('reads the arguments after node and the script from /proc/PID/cmdline, the environment from /proc/PID/environ', () => {
    expect(scriptArgs('node\0/app/dist/cli.js\0--web.listen-address\0:9100\0')).toEqual([
      '--web.listen-address',
      ':9100',
    ]);
    expect(processEnv('PATH=/usr/bin\0LISTEN_PORT=9179\0EMPTY=\0A=b=c\0')).toEqual({
      PATH: '/usr/bin',
      LISTEN_PORT: '9179',
      EMPTY: '',
      A: 'b=c',
    });
  });
});

describe('what counts as healthy', () => {
  const statuses = [200, 401, 500, 503];

  it('over HTTPS with a certificate the health check does not know: 200 and 401 (basic auth on) are alive', async () => {
    const server = createHttpsServer({ cert: pki.server.cert, key: pki.server.key }, (request, response) => {
      response.statusCode = Number(request.url?.slice(1));
      response.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answers = await Promise.all(statuses.map((status) => isHealthy(`https://127.0.0.1:${port}/${status}`)));
      expect(answers).toEqual([true, true, false, false]);
    } finally {
      server.close();
    }
  });

  it('nothing listening is a rejection, which the check reports as no answer', async () => {
    const server = createHttpsServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    await expect(isHealthy(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
