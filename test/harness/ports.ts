import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

/** Loopback address every harness daemon binds to. */
export const LOOPBACK = '127.0.0.1';

function bindTcp(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: LOOPBACK, exclusive: true }, () => {
      const address = server.address();
      const bound = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close(() => resolve(bound));
    });
  });
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, LOOPBACK, () => socket.close(() => resolve(true)));
  });
}

/**
 * Finds a loopback port that is free for TCP and UDP (libtorrent listens on both, uTP being UDP),
 * by letting the kernel pick one (bind to port 0) and releasing it again.
 *
 * @param exclude ports already handed out to this process, never returned again
 * @throws Error when no port is found after a few attempts
 */
export async function findFreePort(exclude: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await bindTcp(0);
    if (port !== undefined && !exclude.has(port) && (await udpFree(port))) return port;
  }
  throw new Error('no free loopback port found after 20 attempts');
}

/**
 * Claims a fixed loopback TCP port (e.g. Deluge's default 58846) after checking that it is free.
 * @throws Error naming the port when something already listens there
 */
export async function claimPort(port: number, exclude: ReadonlySet<number> = new Set()): Promise<number> {
  if (exclude.has(port) || (await bindTcp(port)) !== port) {
    throw new Error(`loopback port ${port} is already in use; stop whatever holds it (a local deluged?) and retry`);
  }
  return port;
}
