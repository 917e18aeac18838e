/**
 * What one exporter process costs, read from Linux's /proc: CPU time summed over all its threads
 * (nanosecond `schedstat`, so GC and libuv threads count too) and its peak resident set (`VmHWM`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { gunzipSync } from 'node:zlib';

/** CPU nanoseconds the process `pid` has run so far, all threads. */
export function cpuNanoseconds(pid: number): number {
  let total = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // A thread that ended between listing and reading.
    }
  }
  return total;
}

/** Clock ticks per second of /proc/<pid>/stat's times (Linux's USER_HZ, 100 everywhere it runs). */
const USER_HZ = 100;

/**
 * CPU milliseconds the process `pid` has run so far, threads that have already ended included (which
 * `cpuNanoseconds` misses: a server that runs each request on a thread of its own, like Python's
 * prometheus_client, would show almost nothing), at the kernel's 10 ms tick resolution.
 */
export function cpuTicksMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name in parentheses (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / USER_HZ;
}

/** Peak resident set size of `pid` since it started, in bytes. */
export function peakRssBytes(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmHWM in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Keep-alive, like Prometheus: the TCP handshake is not part of a scrape. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * GETs `url` and resolves with the wall milliseconds until the last body byte, the body size and,
 * with `keepBody`, the body. With `gzip` it asks for a gzip answer, as Prometheus does; size and body
 * are then the uncompressed ones (unpacked after the clock stopped).
 */
export function timedGet(
  url: string,
  { keepBody = false, gzip = false } = {},
): Promise<{ ms: number; bytes: number; body?: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const headers = gzip ? { 'accept-encoding': 'gzip' } : {};
    get(url, { agent, headers }, (response) => {
      let bytes = 0;
      const chunks: Buffer[] = [];
      const compressed = response.headers['content-encoding'] === 'gzip';
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (keepBody || compressed) chunks.push(chunk);
      });
      response.on('end', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        if (response.statusCode !== 200) {
          reject(new Error(`GET ${url}: HTTP ${response.statusCode}`));
          return;
        }
        const body = compressed ? gunzipSync(Buffer.concat(chunks)) : Buffer.concat(chunks);
        resolve({
          ms,
          bytes: compressed ? body.length : bytes,
          ...(keepBody ? { body: body.toString('utf8') } : {}),
        });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** Closes the keep-alive sockets so the bench process can exit. */
export function closeHttpAgent(): void {
  agent.destroy();
}
