/**
 * A fake `deluged` in its own process for the scrape benchmark, so that its work (rencoding and
 * deflating each answer) is not counted against the exporter:
 * `node --import tsx bench/fake-daemon-process.ts <torrents> [<daemons>]`. Serves `<daemons>` (default 1)
 * fake daemons with the same torrents, prints `{"port": <first>, "ports": […]}` on one stdout line
 * once listening; exits when its stdin closes or on SIGTERM.
 */
import { PreEncoded, startFakeDaemon } from '../test/support/fake-daemon.js';
import { torrentsStatusAnswer } from './payload.js';
import { positiveInteger } from './stats.js';

const torrents = torrentsStatusAnswer(positiveInteger('torrents', process.argv[2] ?? ''));
const answersByKeys = new Map<string, PreEncoded>();

/** Like deluged, answers only the requested keys (all when none are named); encoded once per key list. */
function torrentsAnswer(keys: readonly unknown[]): PreEncoded {
  const cacheKey = keys.join(',');
  let answer = answersByKeys.get(cacheKey);
  if (answer === undefined) {
    const wanted = keys.length === 0 ? undefined : new Set(keys);
    answer = new PreEncoded(
      Object.fromEntries(
        Object.entries(torrents).map(([id, status]) => [
          id,
          wanted === undefined ? status : Object.fromEntries(Object.entries(status).filter(([key]) => wanted.has(key))),
        ]),
      ),
    );
    answersByKeys.set(cacheKey, answer);
  }
  return answer;
}
const daemonCount = positiveInteger('daemons', process.argv[3] ?? '1');
const startOne = () =>
  startFakeDaemon({
    record: false,
    handlers: {
      'core.get_session_status': () => ({ 'net.recv_bytes': 1, 'net.sent_bytes': 1, payload_download_rate: 0 }),
      'core.get_torrents_status': (args) => torrentsAnswer(Array.isArray(args[1]) ? args[1] : []),
      'core.get_config_values': () => ({ download_location: '/data/downloads/0', move_completed: false }),
      'core.get_enabled_plugins': () => ['Label'],
      'core.is_session_paused': () => false,
      'core.get_libtorrent_version': () => '2.0.8.0',
      'core.get_free_space': () => 1e12,
    },
  });
const daemons = await Promise.all(Array.from({ length: daemonCount }, startOne));

let closing = false;
async function shutdown(): Promise<void> {
  if (closing) return;
  closing = true;
  await Promise.all(daemons.map((daemon) => daemon.close()));
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.stdin.on('end', () => void shutdown());
process.stdin.resume();
const ports = daemons.map((daemon) => daemon.port);
process.stdout.write(`${JSON.stringify({ port: ports[0], ports })}\n`);
