/**
 * Giving a Buffer's memory back before V8's next full garbage collection (docs/architecture.md "A
 * scrape's Buffers go back when read").
 */
import { markAsUntransferable } from 'node:worker_threads';

/** `ArrayBuffer#transfer` and `#detached` (ES2024; Node.js 22 and later), which the ES2022 library lacks. */
interface TransferableArrayBuffer extends ArrayBuffer {
  transfer?(newLength?: number): ArrayBuffer;
  readonly detached?: boolean;
}

/** Smallest ArrayBuffer {@link releaseBytes} detaches: a smaller one is not worth it. */
const MIN_RELEASED_BYTES = 32 * 1024;
/** ArrayBuffers V8 refused to detach (Node's Buffer pool, marked untransferable), never tried again. */
const untransferable = new WeakSet<ArrayBuffer>();

/**
 * Whether V8 refuses to detach an ArrayBuffer Node marked untransferable, as Node marks its Buffer
 * pool (Node.js 24 and later; Node 22 detaches it anyway, Node 20 cannot detach at all).
 */
const poolProtected = ((): boolean => {
  const probe: TransferableArrayBuffer = new ArrayBuffer(8);
  markAsUntransferable(probe);
  try {
    probe.transfer?.(0);
    return false;
  } catch {
    return true;
  }
})();

/**
 * Frees the memory under `bytes` at once by detaching its ArrayBuffer (`transfer(0)`): every view of
 * it reads as empty afterwards, so only the owner of all of them may call this. V8 frees a dead
 * Buffer's memory only at its next full garbage collection and counts it as external memory until
 * then, which itself starts full collections (docs/benchmarks.md "Allocation and full collections
 * per scrape"). Left to the garbage collector: ArrayBuffers under 32 KiB, and Node's Buffer pool,
 * which small Buffers share (V8 refuses to detach it on Node.js 24 and later; on Node 22, which
 * would, nothing up to twice the pool's size is detached); on Node 20, which cannot detach, all.
 */
export function releaseBytes(bytes: Uint8Array): void {
  const buffer = bytes.buffer;
  if (!(buffer instanceof ArrayBuffer) || untransferable.has(buffer)) return;
  const smallest = poolProtected ? MIN_RELEASED_BYTES : Math.max(MIN_RELEASED_BYTES, 2 * Buffer.poolSize + 1);
  const transferable: TransferableArrayBuffer = buffer;
  if (buffer.byteLength < smallest || transferable.transfer === undefined || transferable.detached === true) return;
  try {
    transferable.transfer(0);
  } catch {
    untransferable.add(buffer);
  }
}
