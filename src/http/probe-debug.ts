/**
 * `/probe?target=NAME&debug=true`: scrapes one daemon now and answers, as plain text, what happened
 * (each bundle sent, each answer's size and time, every problem, the families each collector
 * produced), then the exposition the probe returns. Never a password; daemon text made printable
 * and cut short.
 */
import type { ScrapeTracer, TraceEntry } from '../collector/daemon-session.js';
import { expositionText, renderFamilies } from '../collector/exposition.js';
import { daemonDeadlineSeconds } from '../collector/scraper.js';
import type { ScrapeRequest, Scraper } from '../collector/scraper-api.js';
import { type MetricFamily, sampleCount, samplesOf } from '../collector/types.js';
import { daemonAccountText, daemonAddress, daemonSecrets, daemonTls } from '../config/daemon-access.js';
import type { DaemonConfig, ExporterConfig } from '../config/types.js';
import { formatUtc } from '../text/human-text.js';
import { printable } from '../text/printable.js';

/** Longest line of daemon-supplied text (arguments, problems) in the log. */
const MAX_TEXT = 200;
const INDENT = ' '.repeat(12);

export interface DebugProbeOptions {
  readonly scraper: Scraper;
  readonly config: ExporterConfig;
  readonly daemon: DaemonConfig;
  /** Prometheus' scrape timeout, when the request carried one. */
  readonly prometheusTimeoutSeconds?: number | undefined;
  readonly version: string;
  /** Clock in milliseconds since the epoch; injectable for tests. */
  readonly now?: () => number;
}

function tlsText(daemon: DaemonConfig): string {
  const tls = daemonTls(daemon);
  const checks = [
    ...(tls.fingerprintSha256 === undefined ? [] : [`pinned to SHA-256 ${tls.fingerprintSha256}`]),
    ...(tls.caPem === undefined ? [] : ['verified against ca_file']),
  ];
  if (checks.length > 0) return checks.join(', ');
  if (daemon.transport === 'rpc') return 'any certificate accepted (Deluge certificates are self-signed)';
  return daemon.web.url.startsWith('https:')
    ? 'verified like a web site (system CAs and host name)'
    : 'none (the Web UI url is http://)';
}

/** Trace times come from a millisecond clock. */
function milliseconds(ms: number): string {
  return `${String(Math.round(ms)).padStart(6)} ms`;
}

/** The log lines of one trace entry, its time relative to `startedMs`. */
function entryLines(entry: TraceEntry, startedMs: number, shown: (text: string) => string): string[] {
  const at = milliseconds(entry.atMs - startedMs);
  switch (entry.kind) {
    case 'joined':
      return [`${at}  joined a scrape already in flight for this daemon (its log so far follows)`];
    case 'bundle':
      return [
        `${at}  ${entry.step} bundle: ${entry.calls.length} call(s) in one message`,
        ...entry.calls.map((call) => `${INDENT}${call.method} ${shown(call.args)}`),
      ];
    case 'answers': {
      const failed = entry.results.filter((result) => !result.ok).length;
      const width = Math.max(0, ...entry.results.map((result) => result.method.length));
      return [
        `${at}  answers to the ${entry.step} bundle: ${entry.results.length - failed} ok, ${failed} failed`,
        ...entry.results.map(
          (result) =>
            `${INDENT}${result.method.padEnd(width)}  ${result.ok ? `ok      size ${result.size}` : 'FAILED'}`,
        ),
      ];
    }
    case 'collector': {
      const filled = entry.families.filter((family) => family.samples > 0);
      const samples = filled.reduce((sum, family) => sum + family.samples, 0);
      const empty = entry.families.length - filled.length;
      return [
        `${at}  collector ${entry.collector}: ${entry.ok ? 'ok' : 'FAILED'}, ${samples} sample(s) in ${filled.length} family(ies)`,
        ...entry.problems.map((problem) => `${INDENT}problem: ${shown(problem)}`),
        ...filled.map((family) => `${INDENT}${shown(family.name)} ${family.samples}`),
        ...(empty === 0 ? [] : [`${INDENT}(${empty} more without samples, not exported)`]),
      ];
    }
    case 'failed':
      return [`${at}  the scrape failed: ${shown(entry.error)}`];
    case 'deadline':
      return [`${at}  deadline of ${entry.seconds} s passed; the daemon counts as down for this scrape`];
  }
}

function upValue(families: readonly MetricFamily[]): number | undefined {
  const up = families.find((family) => family.name === 'deluge_up');
  return up === undefined ? undefined : samplesOf(up)[0]?.value;
}

/** Scrapes `daemon` now (through the shared scraper, so it also updates its status) and reports the scrape. */
export async function debugProbe(options: DebugProbeOptions): Promise<string> {
  const { scraper, config, daemon } = options;
  const now = options.now ?? Date.now;
  const secrets = daemonSecrets(daemon);
  const shown = (text: string) => printable(text, MAX_TEXT, secrets);
  const entries: TraceEntry[] = [];
  const tracer: ScrapeTracer = {
    record: (name, entry) => {
      if (name === daemon.name) entries.push(entry);
    },
  };
  const request: ScrapeRequest = {
    target: daemon.name,
    tracer,
    ...(options.prometheusTimeoutSeconds === undefined
      ? {}
      : { prometheusTimeoutSeconds: options.prometheusTimeoutSeconds }),
  };
  const deadline = daemonDeadlineSeconds(
    daemon.timeoutSeconds,
    options.prometheusTimeoutSeconds,
    config.scrapeTimeoutOffsetSeconds,
  );
  const startedMs = now();
  const families = await scraper.scrape(request);
  const tookMs = now() - startedMs;
  const up = upValue(families);
  const status = scraper.daemonStatus().find((candidate) => candidate.name === daemon.name);
  const lastError =
    status?.lastError !== undefined && status.lastError.atMs >= startedMs ? status.lastError : undefined;
  const counts = families.map(sampleCount).filter((count) => count > 0);
  const samples = counts.reduce((sum, count) => sum + count, 0);
  const lines = [
    `deluge-exporter ${options.version}: debug probe of daemon ${JSON.stringify(shown(daemon.name))}`,
    `started ${formatUtc(startedMs)}, took ${Math.round(tookMs)} ms, deadline ${deadline} s`,
    `address ${daemonAddress(daemon)}${daemon.transport === 'webui' ? ' (Web UI)' : ''}, ${daemonAccountText(daemon, (text) => JSON.stringify(shown(text)))}`,
    `TLS: ${tlsText(daemon)}`,
    `result: ${up === 1 ? 'UP' : 'DOWN'} (deluge_up ${up ?? 'missing'})`,
    ...(lastError === undefined
      ? []
      : [`why: ${lastError.category}: ${shown(lastError.detail)}`, `     ${lastError.hint}`]),
    '',
    'Log of the scrape (time since the probe started; the first answer includes connecting and logging in when',
    'no connection was open; answer size: entries of a dict or list, characters of a string):',
    ...entries.flatMap((entry) => entryLines(entry, startedMs, shown)),
    '',
    `Produced ${samples} sample(s) in ${counts.length} family(ies), health and event families included`,
    '',
    'Metrics this probe returns (without debug=true):',
    expositionText(renderFamilies(families)).trimEnd(),
  ];
  return `${lines.join('\n')}\n`;
}
