/** `--check-daemons` for a daemon reached through its Web UI: the way in, the Web UI's version, the daemon it is connected to. */
import { performance } from 'node:perf_hooks';
import { daemonSecrets } from '../config/daemon-access.js';
import type { ExporterConfig, WebUiDaemonConfig } from '../config/types.js';
import { describeFailure } from '../text/describe-failure.js';
import { printable } from '../text/printable.js';
import { webUiClientOptions } from '../transport/client-options.js';
import type { WebUiClientFactory } from '../transport/create.js';
import { WebUiTransport } from '../transport/webui.js';
import { WebUiAuthError, WebUiClient } from '../webui/index.js';
import {
  authLevelWarnings,
  type DaemonCheck,
  FACT_REQUESTS,
  factsOf,
  MAX_VERSION_LENGTH,
  uncheckedDaemon,
} from './daemon-check.js';

/**
 * Logs in to the Web UI, reaches the daemon by the same rules as a scrape (a Web UI connected to
 * none is connected to `web.daemon` or its only host), asks for the same facts as the RPC check, and
 * says which daemon the Web UI is connected to. Never rejects.
 */
export async function checkWebUiDaemon(
  daemon: WebUiDaemonConfig,
  config: ExporterConfig,
  clientFactory: WebUiClientFactory = (options) => new WebUiClient(options),
): Promise<DaemonCheck> {
  const secrets = daemonSecrets(daemon);
  const client = clientFactory(webUiClientOptions(daemon, config));
  let connected: { daemonVersion: string; authLevel: number | undefined } | undefined;
  const transport = new WebUiTransport({
    client,
    daemon: daemon.web.daemon,
    eventInterest: [],
    hooks: { event: () => undefined, connected: (info) => (connected = info), disconnected: () => undefined },
  });
  const signal = AbortSignal.timeout(Math.round(daemon.timeoutSeconds * 1000));
  const empty = { ...uncheckedDaemon(daemon), fingerprintSha256: undefined };
  try {
    try {
      await client.login({ signal });
    } catch (error) {
      const refused = error instanceof WebUiAuthError;
      return {
        ...empty,
        reachable: refused,
        login: refused ? 'refused' : 'not tried',
        failures: [describeFailure(error, secrets)],
      };
    }
    const version = await client.webUiVersion({ signal }).catch(() => undefined);
    const logged = {
      ...empty,
      via: `Web UI ${version === undefined ? '(version not shown)' : printable(version, MAX_VERSION_LENGTH, secrets)}`,
      reachable: true,
      login: 'ok' as const,
    };
    const started = performance.now();
    let answers: Awaited<ReturnType<WebUiTransport['callMany']>>;
    try {
      answers = await transport.callMany(FACT_REQUESTS, { signal });
    } catch (error) {
      return { ...logged, failures: [describeFailure(error, secrets)] };
    }
    const roundTripMs = performance.now() - started;
    const connectedTo = await transport.connectedDaemon(signal).catch(() => undefined);
    const authLevel = connected?.authLevel;
    return {
      ...logged,
      ...factsOf(answers, roundTripMs, secrets),
      connectedTo: connectedTo === undefined ? undefined : printable(connectedTo, 200, secrets),
      authLevel,
      daemonVersion:
        connected === undefined ? undefined : printable(connected.daemonVersion, MAX_VERSION_LENGTH, secrets),
      warnings: authLevelWarnings(authLevel),
    };
  } finally {
    await transport.close();
  }
}
