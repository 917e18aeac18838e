import { markAsUntransferable } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { releaseBytes } from '../../../src/rpc/release-bytes.js';

describe('releaseBytes', () => {
  // ArrayBuffer#transfer exists from Node.js 22 on; on Node 20 releasing leaves everything as it was.
  const canTransfer = 'transfer' in ArrayBuffer.prototype;

  it('detaches an ArrayBuffer of 32 KiB or more: its memory is gone and every view reads as empty', () => {
    const owned = Buffer.alloc(64 * 1024, 7);
    const view = owned.subarray(100, 200);
    releaseBytes(view);
    expect(owned.length).toBe(canTransfer ? 0 : 64 * 1024);
    expect(view.length).toBe(canTransfer ? 0 : 100);
  });

  it('leaves smaller buffers, which may share Node’s Buffer pool, to the garbage collector', () => {
    const small = Buffer.from('pooled with others');
    const neighbour = Buffer.from('another small buffer');
    releaseBytes(small);
    expect(small.toString()).toBe('pooled with others');
    expect(neighbour.toString()).toBe('another small buffer');
  });

  it('never detaches or throws for Node’s Buffer pool: a pool-sized ArrayBuffer marked untransferable', () => {
    const buffer = new ArrayBuffer(Buffer.poolSize + 64);
    markAsUntransferable(buffer);
    const bytes = new Uint8Array(buffer).fill(3);
    releaseBytes(bytes);
    releaseBytes(bytes);
    expect(bytes.length).toBe(Buffer.poolSize + 64);
    expect(bytes[Buffer.poolSize]).toBe(3);
  });

  it('leaves a pooled Buffer and the Buffers beside it whole, at any size the pool hands out', () => {
    const pooled = Buffer.allocUnsafe((Buffer.poolSize >>> 1) - 8).fill(1);
    const beside = Buffer.allocUnsafe(16).fill(2);
    expect(pooled.buffer).toBe(beside.buffer);
    releaseBytes(pooled);
    expect(pooled.every((byte) => byte === 1)).toBe(true);
    expect(beside.every((byte) => byte === 2)).toBe(true);
  });
});
