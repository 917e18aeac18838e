import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type BencodeValue, bencode } from './bencode.js';

/** One announce a {@link LoopbackTracker} received. */
export interface Announce {
  /** Info-hash, 40 lowercase hex digits. */
  readonly infoHash: string;
  /** Peer id, 40 lowercase hex digits. */
  readonly peerId: string;
  /** The announcing client's address (the socket's) and BitTorrent port (the `port` parameter). */
  readonly ip: string;
  readonly port: number;
  /** `started`, `completed`, `stopped`, or `` for a regular announce. */
  readonly event: string;
}

/** Builds the bencoded reply to an announce; `swarm` holds every peer's latest announce of that torrent. */
export type AnnounceReply = (announce: Announce, swarm: readonly Announce[]) => BencodeValue;

/** A real HTTP tracker on its own loopback address, announce path exactly `/announce`. */
export interface LoopbackTracker {
  readonly host: string;
  readonly port: number;
  /** `http://<host>:<port>/announce`. */
  readonly announceUrl: string;
  /** Every announce received, oldest first. */
  readonly announces: readonly Announce[];
  close(): Promise<void>;
}

/** Replies with a BEP 3 `failure reason`, as a private tracker refusing the torrent or the user does. */
export function failureReply(reason: string): AnnounceReply {
  return () => ({ 'failure reason': reason });
}

/** Replies like a plain public tracker: the other peers of the torrent as compact peers (BEP 23). */
export function swarmReply(intervalSeconds = 1800): AnnounceReply {
  return (announce, swarm) => {
    const others = swarm.filter((peer) => peer.peerId !== announce.peerId && peer.event !== 'stopped');
    const compact = Buffer.concat(
      others.map((peer) => {
        const entry = Buffer.alloc(6);
        peer.ip.split('.').forEach((octet, index) => {
          entry[index] = Number(octet);
        });
        entry.writeUInt16BE(peer.port, 4);
        return entry;
      }),
    );
    return { interval: intervalSeconds, complete: others.length, incomplete: 0, peers: compact };
  };
}

/** Every tracker started by this process and not yet closed. */
const running = new Set<LoopbackTracker>();

/**
 * Loopback addresses handed out by this process: each tracker gets its own, so Deluge's
 * `tracker_host` (the address) tells them apart. 127.0.0.1 is the daemons'. Other processes may use
 * the same addresses: the ports the kernel picks keep them apart.
 */
let nextHostOctet = 2;

function nextLoopbackHost(): string {
  if (nextHostOctet > 254) throw new Error('out of loopback addresses for test trackers (127.0.0.2-254)');
  return `127.0.0.${nextHostOctet++}`;
}

/** Decodes a query parameter's percent-escapes to bytes (info_hash and peer_id are binary). */
function queryBytes(rawQuery: string, name: string): Buffer | undefined {
  for (const pair of rawQuery.split('&')) {
    const [key, value = ''] = pair.split('=', 2);
    if (key !== name) continue;
    const bytes: number[] = [];
    for (let index = 0; index < value.length; index++) {
      if (value[index] === '%' && /^[0-9a-fA-F]{2}$/.test(value.slice(index + 1, index + 3))) {
        bytes.push(Number.parseInt(value.slice(index + 1, index + 3), 16));
        index += 2;
      } else {
        bytes.push(value.charCodeAt(index) & 0xff);
      }
    }
    return Buffer.from(bytes);
  }
  return undefined;
}

function parseAnnounce(request: IncomingMessage): Announce | undefined {
  const url = request.url ?? '';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  if (path !== '/announce') return undefined;
  const query = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const infoHash = queryBytes(query, 'info_hash');
  const peerId = queryBytes(query, 'peer_id');
  const port = Number(queryBytes(query, 'port')?.toString('latin1'));
  if (infoHash?.length !== 20 || peerId === undefined || !Number.isInteger(port)) return undefined;
  return {
    infoHash: infoHash.toString('hex'),
    peerId: peerId.toString('hex'),
    ip: (request.socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
    port,
    event: queryBytes(query, 'event')?.toString('latin1') ?? '',
  };
}

function listen(server: Server, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Starts an HTTP tracker on a fresh loopback address (127.0.0.2, 127.0.0.3, …) and a port the kernel
 * picks. libtorrent's SSRF mitigation only announces to a loopback tracker whose path is exactly
 * `/announce`; anything else gets 404 here too.
 */
export async function startTracker(reply: AnnounceReply): Promise<LoopbackTracker> {
  const announces: Announce[] = [];
  const swarms = new Map<string, Map<string, Announce>>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const announce = parseAnnounce(request);
    if (announce === undefined) {
      response.writeHead(404).end();
      return;
    }
    announces.push(announce);
    const swarm = swarms.get(announce.infoHash) ?? new Map<string, Announce>();
    swarms.set(announce.infoHash, swarm);
    swarm.set(announce.peerId, announce);
    const body = bencode(reply(announce, [...swarm.values()]));
    response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length }).end(body);
  });
  const host = nextLoopbackHost();
  const port = await listen(server, host);
  const tracker: LoopbackTracker = {
    host,
    port,
    announceUrl: `http://${host}:${port}/announce`,
    announces,
    close: () =>
      new Promise<void>((resolve) => {
        running.delete(tracker);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  running.add(tracker);
  return tracker;
}

/** Closes every tracker this process started; meant for `afterAll`. */
export async function stopAllTrackers(): Promise<void> {
  await Promise.all([...running].map((tracker) => tracker.close()));
}

/**
 * An announce URL on a fresh loopback address and a port the kernel just handed out and nothing
 * listens on: libtorrent gets `Connection refused`.
 */
export async function refusedAnnounceUrl(): Promise<string> {
  const host = nextLoopbackHost();
  const server = createServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://${host}:${port}/announce`;
}
