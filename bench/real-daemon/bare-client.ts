/**
 * The floor of a scrape: a bare client on a warm, logged-in TLS connection that sends a bundle of
 * requests as one frame and waits for the last byte of the last answer. It reads only frame headers
 * (no inflate, no decode), so its time is the daemon's own answer plus the network, nothing of ours.
 */
import { once } from 'node:events';
import { connect, type TLSSocket } from 'node:tls';
import { encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from '../../src/rpc/framing.js';
import type { RencodeValue } from '../../src/rpc/rencode.js';
import type { RpcRequest } from '../../src/rpc/types.js';

/** Deluge's message types (first element of each answer). */
const RPC_RESPONSE = 1;

/** The frame of one bundle, encoded like the exporter's client encodes it (ids from 1). */
export function bundleFrame(bundle: readonly RpcRequest[]): Buffer {
  return encodeFrame(
    bundle.map((request, index) => [index + 1, request.method, [...request.args], { ...request.kwargs }]),
  );
}

/** Counts complete frames in a byte stream from their headers alone. */
class FrameCounter {
  private remainingInFrame = 0;
  private header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  frames = 0;

  push(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remainingInFrame === 0) {
        const take = Math.min(FRAME_HEADER_BYTES - this.headerFilled, chunk.length - offset);
        chunk.copy(this.header, this.headerFilled, offset, offset + take);
        this.headerFilled += take;
        offset += take;
        if (this.headerFilled < FRAME_HEADER_BYTES) return;
        this.headerFilled = 0;
        this.remainingInFrame = this.header.readUInt32BE(1);
        if (this.remainingInFrame === 0) this.frames += 1;
        continue;
      }
      const take = Math.min(this.remainingInFrame, chunk.length - offset);
      this.remainingInFrame -= take;
      offset += take;
      if (this.remainingInFrame === 0) this.frames += 1;
    }
  }
}

/** A logged-in raw connection to a daemon. */
export class BareClient {
  private constructor(private readonly socket: TLSSocket) {}

  /** Connects over TLS (any certificate) and logs in; rejects when the login is not answered with a response. */
  static async connect(host: string, port: number, username: string, password: string): Promise<BareClient> {
    const socket = connect({ host, port, rejectUnauthorized: false });
    await once(socket, 'secureConnect');
    socket.setNoDelay(true);
    const client = new BareClient(socket);
    const [login] = await client.decodedAnswers(
      encodeFrame([[0, 'daemon.login', [username, password], { client_version: 'bench' }]]),
      1,
    );
    if (!Array.isArray(login) || login[0] !== RPC_RESPONSE) {
      socket.destroy();
      throw new Error(`bench login failed: ${JSON.stringify(login)}`);
    }
    return client;
  }

  /** Sends `frame` and resolves with the milliseconds until `answers` frames have fully arrived. */
  timeAnswers(frame: Buffer, answers: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const counter = new FrameCounter();
      const onData = (chunk: Buffer): void => {
        counter.push(chunk);
        if (counter.frames < answers) return;
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        this.socket.off('data', onData).off('error', reject);
        resolve(ms);
      };
      this.socket.on('data', onData).once('error', reject);
      const started = process.hrtime.bigint();
      this.socket.write(frame);
    });
  }

  /** Sends `frame` and decodes `answers` answer frames (untimed: to check the bundle really succeeds). */
  decodedAnswers(frame: Buffer, answers: number): Promise<RencodeValue[]> {
    return new Promise((resolve, reject) => {
      const decoder = new FrameDecoder({ maxFrameBytes: 1024 * 1024 * 1024 });
      const received: RencodeValue[] = [];
      const onData = (chunk: Buffer): void => {
        try {
          received.push(...decoder.push(chunk));
        } catch (error) {
          reject(error);
          return;
        }
        if (received.length < answers) return;
        this.socket.off('data', onData).off('error', reject);
        resolve(received);
      };
      this.socket.on('data', onData).once('error', reject);
      this.socket.write(frame);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/**
 * Checks that every answer to `bundle` is a response (not an error), so the floor is timed on a
 * bundle the daemon really answers.
 */
export async function checkBundleAnswered(client: BareClient, bundle: readonly RpcRequest[]): Promise<void> {
  const answers = await client.decodedAnswers(bundleFrame(bundle), bundle.length);
  for (const answer of answers) {
    if (!Array.isArray(answer) || answer[0] !== RPC_RESPONSE) {
      const method = Array.isArray(answer) ? bundle[Number(answer[1]) - 1]?.method : undefined;
      throw new Error(`daemon answered ${method} of the bench bundle with ${JSON.stringify(answer).slice(0, 300)}`);
    }
  }
}
