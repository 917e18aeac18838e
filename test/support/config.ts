import { loadConfig } from '../../src/config/load.js';
import { Secret } from '../../src/config/secret.js';
import type { DaemonConfig, ExporterConfig, RpcDaemonConfig } from '../../src/config/types.js';

/** The validated config of a YAML text, through the real loader (defaults, checks, freezing). */
export function configFromYaml(yaml: string): ExporterConfig {
  return loadConfig({
    argvConfigPath: 'config.yaml',
    env: {},
    readFile: () => yaml,
    homedir: '/nonexistent',
    platform: 'linux',
  });
}

/** A daemon entry for tests that build configs by hand (address 127.0.0.1:58846 unless given). */
export function testDaemon(name: string, password: string, host = '127.0.0.1'): RpcDaemonConfig {
  return {
    transport: 'rpc',
    name,
    host,
    port: 58846,
    username: 'u',
    password: new Secret(password),
    tls: {},
    timeoutSeconds: 10,
  };
}

/** The daemon as reached by RPC; throws for one reached through its Web UI (`.daemons.map(rpc)`). */
export function rpc(daemon: DaemonConfig): RpcDaemonConfig {
  if (daemon.transport !== 'rpc') throw new Error(`daemon ${daemon.name} is reached through its Web UI, not by RPC`);
  return daemon;
}

/** The default exporter settings (through the real loader) with `daemons` in place of the configured ones. */
export function configWithDaemons(daemons: readonly DaemonConfig[]): ExporterConfig {
  return { ...configFromYaml('daemons: [{ username: u, password: p }]'), daemons };
}
