import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { summarizeConfig } from '../../../src/config/summary.js';
import { rpc } from '../../support/config.js';

const examplePath = fileURLToPath(new URL('../../../examples/config.yaml', import.meta.url));
const passwordFile = '/run/secrets/deluge-seedbox-password';

/** examples/config.yaml, with its password file served from memory (it does not exist here). */
function loadExample() {
  return loadConfig({
    argvConfigPath: examplePath,
    env: {},
    readFile: (path) => (path === passwordFile ? 'from-secret-file\n' : readFileSync(path, 'utf8')),
    homedir: '/home/nobody',
    platform: 'linux',
  });
}

describe('examples/config.yaml', () => {
  it('is a valid config describing two daemons', () => {
    const config = loadExample();
    expect(
      config.daemons.map(rpc).map((daemon) => [daemon.name, daemon.host, daemon.port, daemon.timeoutSeconds]),
    ).toEqual([
      ['local', '127.0.0.1', 58846, 10],
      ['seedbox', 'seedbox.example.net', 58846, 15],
    ]);
    expect(config.daemons.map(rpc)[1]?.password.reveal()).toBe('from-secret-file');
  });
});

describe('summarizeConfig', () => {
  it('lists names, accounts and addresses, never passwords', () => {
    const summary = summarizeConfig(loadExample());
    expect(summary).toBe(
      [
        'configuration OK: 2 daemon(s)',
        '  local: exporter@127.0.0.1:58846 (timeout 10s)',
        '  seedbox: exporter@seedbox.example.net:58846 (timeout 15s, certificate checked)',
        '',
      ].join('\n'),
    );
    expect(summary).not.toContain('change-me');
    expect(summary).not.toContain('from-secret-file');
  });
});
