import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DaemonHandle, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import {
  type ExporterHandle,
  exporterConfigYaml,
  REPO_ROOT,
  startExporter,
  stopAllExporters,
} from '../support/exporter-process.js';
import { type CertificateFiles, createCa, createTestPki, issueCertificate, type TestPki } from '../support/pki.js';
import { type PrometheusHandle, startPrometheus } from '../support/prometheus.js';

const USER = 'prometheus';
const PASSWORD = 'scrape-Passw0rd';

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

/** One HTTPS GET with node's https client; rejects when the TLS handshake or connection fails. */
function get(
  url: string,
  options: { ca: string; client?: CertificateFiles; auth?: string; minVersion?: 'TLSv1.2'; maxVersion?: 'TLSv1.2' },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        ca: options.ca,
        ...(options.client === undefined ? {} : { cert: options.client.cert, key: options.client.key }),
        ...(options.auth === undefined ? {} : { auth: options.auth }),
        ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
        agent: false,
        timeout: 10_000,
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          body += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
        response.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('--web.config.file: TLS with client certificates, basic auth, headers', () => {
  let pki: TestPki;
  let strangerClient: CertificateFiles;
  let daemon: DaemonHandle;
  let exporter: ExporterHandle;

  beforeAll(async () => {
    pki = createTestPki();
    const strangerCa = createCa(pki.dir, 'stranger-ca', 'some other CA');
    strangerClient = issueCertificate(pki.dir, strangerCa, 'stranger', 'clientAuth', 'DNS:stranger');
    const webConfig = join(pki.dir, 'web.yml');
    writeFileSync(
      webConfig,
      [
        'tls_server_config:',
        '  cert_file: server.crt',
        '  key_file: server.key',
        '  client_auth_type: RequireAndVerifyClientCert',
        '  client_ca_file: ca.crt',
        '  min_version: TLS13',
        'http_server_config:',
        '  headers:',
        '    X-Content-Type-Options: nosniff',
        'basic_auth_users:',
        `  ${USER}: ${bcrypt.hashSync(PASSWORD, 10)}`,
        '',
      ].join('\n'),
    );
    daemon = await startDaemon();
    exporter = await startExporter({
      configYaml: exporterConfigYaml([{ name: 'seedbox', daemon }]),
      args: ['--web.config.file', webConfig],
      scheme: 'https',
    });
  });

  afterAll(async () => {
    await stopAllExporters();
    await stopAllDaemons();
    rmSync(pki.dir, { recursive: true, force: true });
  });

  it('node https: right client certificate and credentials 200; none or wrong 401; headers set', async () => {
    const client = { ca: pki.ca.cert, client: pki.client };
    const ok = await get(`${exporter.url}/metrics`, { ...client, auth: `${USER}:${PASSWORD}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('deluge_up{daemon="seedbox"} 1');
    expect(ok.headers['x-content-type-options']).toBe('nosniff');

    for (const auth of [undefined, `${USER}:wrong`, `nobody:${PASSWORD}`]) {
      const refused = await get(`${exporter.url}/metrics`, { ...client, ...(auth === undefined ? {} : { auth }) });
      expect([auth, refused.status, refused.headers['www-authenticate'], refused.body]).toEqual([
        auth,
        401,
        'Basic realm="deluge-exporter"',
        'unauthorized\n',
      ]);
      expect(refused.headers['x-content-type-options']).toBe('nosniff');
    }
    // Every path is behind the password, the landing page and health endpoints too.
    for (const path of ['/', '/healthz', '/readyz', '/probe?target=seedbox']) {
      expect((await get(`${exporter.url}${path}`, client)).status).toBe(401);
      expect((await get(`${exporter.url}${path}`, { ...client, auth: `${USER}:${PASSWORD}` })).status).toBe(200);
    }
  });

  it('node https: no client certificate or TLS 1.2 is refused by a TLS alert; one from another CA is closed at the end of the handshake, unanswered', async () => {
    const auth = `${USER}:${PASSWORD}`;
    // The server's TLS alerts: certificate_required (116) and protocol_version (70).
    await expect(get(`${exporter.url}/metrics`, { ca: pki.ca.cert, auth })).rejects.toMatchObject({
      code: 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
    });
    // Node verifies the chain once the TLS 1.3 handshake is done and drops the socket: no HTTP answer.
    await expect(
      get(`${exporter.url}/metrics`, { ca: pki.ca.cert, client: strangerClient, auth }),
    ).rejects.toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
    await expect(
      get(`${exporter.url}/metrics`, { ca: pki.ca.cert, client: pki.client, auth, maxVersion: 'TLSv1.2' }),
    ).rejects.toMatchObject({ code: 'EPROTO', message: expect.stringContaining('SSL alert number 70') });
    // Plain HTTP on the TLS port gets no answer from the exporter's app.
    const plain = await fetch(exporter.url.replace('https:', 'http:'), { signal: AbortSignal.timeout(5_000) }).catch(
      (error: unknown) => error,
    );
    expect(plain).toMatchObject({ cause: { code: 'UND_ERR_SOCKET', socket: { bytesRead: 0 } } });
  });

  it('a real Prometheus scraping over TLS: right credentials up, wrong or none 401', { timeout: 60_000 }, async () => {
    const address = exporter.url.replace('https://', '');
    const tls = { ca_file: pki.ca.certFile, cert_file: pki.client.certFile, key_file: pki.client.keyFile };
    const job = (name: string, extra: Record<string, unknown>) => ({
      job_name: name,
      scheme: 'https',
      tls_config: tls,
      static_configs: [{ targets: [address] }],
      ...extra,
    });
    let prometheus: PrometheusHandle | undefined;
    try {
      prometheus = await startPrometheus(
        JSON.stringify({
          global: { scrape_interval: '1s', scrape_timeout: '1s' },
          scrape_configs: [
            job('right', { basic_auth: { username: USER, password: PASSWORD } }),
            job('wrong', { basic_auth: { username: USER, password: 'not it' } }),
            job('none', {}),
          ],
        }),
      );
      const running = prometheus;
      const deadline = Date.now() + 30_000;
      let health: Record<string, { health: string; lastError: string }> = {};
      while (Date.now() < deadline) {
        const targets = await running.targets();
        health = Object.fromEntries(
          targets.map((target) => [target.labels.job, { health: target.health, lastError: target.lastError }]),
        );
        if (
          Object.values(health).length === 3 &&
          Object.values(health).every((target) => target.health !== 'unknown')
        ) {
          break;
        }
        await sleep(500);
      }
      expect(health.right).toEqual({ health: 'up', lastError: '' });
      expect(health.wrong?.health).toBe('down');
      expect(health.wrong?.lastError).toContain('401');
      expect(health.none?.lastError).toContain('401');
      const up = await running.query('deluge_up{job="right"}');
      expect(up.map((sample) => [sample.metric.daemon, sample.value])).toEqual([['seedbox', 1]]);
    } finally {
      await prometheus?.stop();
    }
  });
});

describe('--web.config.file: a bad file stops start-up naming the key', () => {
  it('exit 1 with file and key on stderr', async () => {
    const pki = createTestPki();
    try {
      const webConfig = join(pki.dir, 'web.yml');
      writeFileSync(
        webConfig,
        'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS9\n',
      );
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/cli.ts',
          '--web.config.file',
          webConfig,
          '--config',
          'test/fixtures/config/good-minimal.yaml',
        ],
        { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => {
        stderr += String(chunk);
      });
      const code = await new Promise((resolve) => child.once('close', resolve));
      expect(code).toBe(1);
      expect(stderr).toBe(
        `deluge-exporter: ${webConfig}: tls_server_config.min_version: expected one of TLS10, TLS11, TLS12, TLS13, got "TLS9"\n`,
      );
    } finally {
      rmSync(pki.dir, { recursive: true, force: true });
    }
  });
});
