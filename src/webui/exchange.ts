/**
 * One HTTP exchange with the Web UI: a request out, the answer body in, decompressed and counted
 * WHILE it streams (a byte budget and a gzip ratio limit), so a huge or bomb answer is cut off before
 * it is held, let alone parsed. Anything but a 200 is a typed error quoting a short snippet.
 */
import { type Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createGunzip, createInflate } from 'node:zlib';
import { shortenForLog } from '../rpc/shorten.js';
import {
  snippetOf,
  WebUiConnectionError,
  WebUiError,
  WebUiHttpError,
  WebUiLimitError,
  WebUiNotJsonError,
  WebUiRedirectError,
  WebUiTimeoutError,
} from './errors.js';

/** Size limits of one answer. */
export interface AnswerLimits {
  /** Largest body on the wire, compressed or not (the RPC client's `maxFrameBytes`). */
  readonly maxWireBytes: number;
  /** Largest body after decompression. */
  readonly maxAnswerBytes: number;
  /** Largest decompressed size as a multiple of the compressed size, above {@link RATIO_FLOOR_BYTES}. */
  readonly maxInflateRatio: number;
}

/** Below this many decompressed bytes the ratio is not checked (small answers compress very well). */
export const RATIO_FLOOR_BYTES = 1024 * 1024;

/** The content type of a JSON-RPC answer. */
const JSON_CONTENT_TYPE = /^application\/json\s*(;|$)/i;

/** How much of a non-200 or non-JSON body is read, for its snippet. */
const ERROR_BODY_BYTES = 4096;

export interface ExchangeRequest {
  readonly url: URL;
  readonly method: 'GET' | 'POST';
  readonly agent: Agent;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  readonly signal?: AbortSignal | undefined;
  readonly limits: AnswerLimits;
  /** The JSON-RPC method, for error messages. */
  readonly rpcMethod: string;
  /** Counts wire bytes of the answer as they arrive. */
  readonly onReceivedBytes?: (bytes: number) => void;
  /** Read at most this many bytes of a 200 body and stop quietly (a page read for one fact). */
  readonly sampleBytes?: number;
  /**
   * A JSON-RPC call: a 200 answer of another content type (a login page in front) is refused as
   * WebUiNotJsonError after reading only the start of it, whatever its size.
   */
  readonly expectJson?: boolean;
}

/** A 200 answer: its content type, the cookies it set and the decompressed body. */
export interface ExchangeAnswer {
  readonly contentType: string;
  readonly setCookie: readonly string[];
  readonly body: Buffer;
}

/**
 * Sends the request and reads a 200 answer within the limits.
 * @throws WebUiTimeoutError (signal), WebUiConnectionError, WebUiRedirectError, WebUiHttpError,
 *   WebUiLimitError, WebUiNotJsonError (a compressed body that does not decompress)
 */
export function exchange(req: ExchangeRequest): Promise<ExchangeAnswer> {
  const method = req.rpcMethod;
  return new Promise<ExchangeAnswer>((resolve, reject) => {
    let settled = false;
    const send = req.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const headers =
      req.body === undefined ? req.headers : { ...req.headers, 'content-length': String(req.body.length) };
    const outgoing = send(req.url, { method: req.method, agent: req.agent, headers });
    const finish = (error: Error | undefined, answer?: ExchangeAnswer): void => {
      if (settled) return;
      settled = true;
      req.signal?.removeEventListener('abort', onAbort);
      if (error === undefined && answer !== undefined) {
        resolve(answer);
        return;
      }
      if (error instanceof WebUiError && error.method === undefined) error.method = method;
      // A broken or unread answer must not go back into the pool.
      outgoing.destroy();
      reject(error);
    };
    const onAbort = (): void => finish(new WebUiTimeoutError(`no answer to ${method} before the deadline`, { method }));
    if (req.signal?.aborted) {
      onAbort();
      return;
    }
    req.signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error) => finish(connectionError(error, method)));
    outgoing.on('response', (response) => {
      readResponse(response, req).then(
        (answer) => finish(undefined, answer),
        (error: Error) => finish(error),
      );
    });
    outgoing.end(req.body);
  });
}

function connectionError(error: Error, method: string): Error {
  if (error instanceof WebUiError) return error;
  return new WebUiConnectionError(`cannot reach the Web UI: ${shortenForLog(error.message, 200)}`, {
    cause: error,
    method,
  });
}

function header(response: IncomingMessage, name: string): string {
  const value = response.headers[name];
  return typeof value === 'string' ? value : '';
}

async function readResponse(response: IncomingMessage, req: ExchangeRequest): Promise<ExchangeAnswer> {
  const status = response.statusCode ?? 0;
  const contentType = header(response, 'content-type');
  if (status >= 300 && status < 400) {
    response.resume();
    throw new WebUiRedirectError(status, redirectTarget(header(response, 'location')));
  }
  if (status !== 200) {
    const body = await readBody(response, req, ERROR_BODY_BYTES);
    throw new WebUiHttpError(status, snippetOf(body));
  }
  if (req.expectJson === true && !JSON_CONTENT_TYPE.test(contentType)) {
    const start = await readBody(response, req, ERROR_BODY_BYTES);
    throw new WebUiNotJsonError(contentType, snippetOf(start), 'answer is not JSON');
  }
  const setCookie = response.headers['set-cookie'] ?? [];
  const body = await readBody(response, req, req.sampleBytes);
  return { contentType, setCookie, body };
}

function tooLarge(limit: 'maxAnswerBytes' | 'maxWireBytes', maximum: number): WebUiLimitError {
  const what = limit === 'maxWireBytes' ? 'answer on the wire' : 'answer';
  return new WebUiLimitError(`${what} larger than ${maximum} bytes (limit ${limit})`, limit, maximum);
}

/** A redirect's target without its query string (it may carry tokens), cut short. */
function redirectTarget(location: string): string {
  if (location === '') return '(no Location)';
  return JSON.stringify(shortenForLog(location.split(/[?#]/)[0] ?? '', 120));
}

/**
 * The body, decompressed as its content encoding says, within the limits. With `sample`, reading
 * stops quietly after that many bytes (for the snippet of an error answer).
 */
function readBody(response: IncomingMessage, req: ExchangeRequest, sample: number | undefined): Promise<Buffer> {
  const encoding = header(response, 'content-encoding').trim().toLowerCase();
  const { maxWireBytes, maxAnswerBytes, maxInflateRatio } = req.limits;
  const decompress =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : undefined;
  if (encoding !== '' && encoding !== 'identity' && decompress === undefined) {
    response.resume();
    return Promise.reject(
      new WebUiNotJsonError(
        header(response, 'content-type'),
        '""',
        `unknown content encoding ${JSON.stringify(shortenForLog(encoding, 40))}`,
      ),
    );
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let wireBytes = 0;
    let bodyBytes = 0;
    let done = false;
    const stop = (error: Error | undefined): void => {
      if (done) return;
      done = true;
      decompress?.destroy();
      if (error === undefined) resolve(Buffer.concat(chunks, bodyBytes));
      else {
        response.destroy();
        reject(error);
      }
    };
    const onBody = (chunk: Buffer): void => {
      if (done) return;
      bodyBytes += chunk.length;
      chunks.push(chunk);
      if (sample !== undefined && bodyBytes >= sample) {
        stop(undefined);
        return;
      }
      if (bodyBytes > maxAnswerBytes) {
        stop(tooLarge('maxAnswerBytes', maxAnswerBytes));
      } else if (decompress !== undefined && bodyBytes > RATIO_FLOOR_BYTES && bodyBytes > wireBytes * maxInflateRatio) {
        stop(
          new WebUiLimitError(
            `answer decompresses to more than ${maxInflateRatio} times its size (limit maxInflateRatio)`,
            'maxInflateRatio',
            maxInflateRatio,
          ),
        );
      }
    };
    response.on('data', (chunk: Buffer) => {
      wireBytes += chunk.length;
      req.onReceivedBytes?.(chunk.length);
      if (wireBytes > maxWireBytes && sample === undefined) stop(tooLarge('maxWireBytes', maxWireBytes));
      else if (decompress === undefined) onBody(chunk);
    });
    response.on('error', (error) =>
      stop(new WebUiConnectionError(`answer broke off: ${shortenForLog(error.message, 120)}`, { cause: error })),
    );
    response.on('aborted', () => stop(new WebUiConnectionError('answer broke off before its end')));
    if (decompress === undefined) {
      response.on('end', () => stop(undefined));
      return;
    }
    response.pipe(decompress);
    decompress.on('data', onBody);
    decompress.on('end', () => stop(undefined));
    decompress.on('error', (error) =>
      stop(
        sample !== undefined
          ? undefined
          : new WebUiNotJsonError(
              header(response, 'content-type'),
              snippetOf(Buffer.concat(chunks)),
              `compressed answer does not decompress (${shortenForLog(error.message, 80)})`,
            ),
      ),
    );
  });
}
