import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DelugeClient } from '../../../src/rpc/client.js';
import { remoteErrorFromReply } from '../../../src/rpc/connection.js';
import { DelugeLimitError, DelugeProtocolError, DelugeRemoteError } from '../../../src/rpc/errors.js';
import { encodeFrame } from '../../../src/rpc/framing.js';
import { shortenForLog } from '../../../src/rpc/shorten.js';
import { startFakeDaemon } from '../../support/fake-daemon.js';
import { rejectionOf } from '../../support/unhandled-rejections.js';

describe('shortenForLog', () => {
  it('keeps short text and cuts long text to the limit, saying how much was cut', () => {
    expect(shortenForLog('2.0.3')).toBe('2.0.3');
    expect(shortenForLog('x'.repeat(200))).toBe('x'.repeat(200));
    expect(shortenForLog('x'.repeat(5000), 40)).toBe(`${'x'.repeat(21)}… [4979 more chars]`);
  });

  it('never returns more than max characters and never splits a surrogate pair', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer({ min: 24, max: 300 }), (text, max) => {
        const short = shortenForLog(text, max);
        expect(short.length).toBeLessThanOrEqual(max);
        if (text.length <= max) {
          expect(short).toBe(text);
          return;
        }
        const kept = short.slice(0, short.lastIndexOf('… ['));
        expect(text.startsWith(kept)).toBe(true);
        expect(short).toBe(`${kept}… [${text.length - kept.length} more chars]`);
        const last = kept.charCodeAt(kept.length - 1);
        expect(last >= 0xd800 && last <= 0xdbff).toBe(false);
      }),
    );
    expect(shortenForLog(`${'x'.repeat(21)}😀${'y'.repeat(100)}`, 40)).toBe(`${'x'.repeat(21)}… [102 more chars]`);
  });

  it('refuses a limit too small for its marker', () => {
    expect(() => shortenForLog('abc', 23)).toThrow(RangeError);
  });
});

describe('daemon-supplied text in errors', () => {
  it('cuts a huge remote exception message, args, kwargs and traceback, and does not repeat the message', () => {
    const huge = 'E'.repeat(1_000_000);
    const error = remoteErrorFromReply(
      'InvalidTorrentError',
      [huge, 7],
      { detail: huge },
      `Traceback (most recent call last):\n${huge}\nInvalidTorrentError: boom`,
    );
    expect(error.message.length).toBeLessThanOrEqual(300);
    expect(error.message).toMatch(/^E+… \[\d+ more chars\]$/);
    expect(String(error.remoteArgs[0]).length).toBeLessThanOrEqual(1024);
    expect(error.remoteArgs[1]).toBe(7);
    expect(String(error.remoteKwargs.detail).length).toBeLessThanOrEqual(1024);
    expect(error.traceback.length).toBeLessThan(4200);
    expect(error.traceback.endsWith('InvalidTorrentError: boom')).toBe(true);
    const typeOnly = remoteErrorFromReply('X'.repeat(5000), [], {}, '');
    expect(typeOnly.message.length).toBeLessThanOrEqual(300);
    expect(typeOnly.remoteType).toBe(typeOnly.message);
  });

  it('refuses a daemon.info answer that is not a version string, or too long for the handshake, briefly', async () => {
    const daemon = await startFakeDaemon({ version: 'v'.repeat(100_000) });
    const client = new DelugeClient({
      host: daemon.host,
      port: daemon.port,
      username: 'admin',
      password: 'admin-secret',
    });
    try {
      const tooLong = await rejectionOf<DelugeLimitError>(client.connect());
      expect(tooLong).toBeInstanceOf(DelugeLimitError);
      expect(tooLong.limit).toBe('maxStringBytes');
      expect(tooLong.message.length).toBeLessThan(120);
      daemon.setFault('daemon.info', { kind: 'garbage', bytes: encodeFrame([1, 0, ['x'.repeat(1000), 2]]) });
      const notText = await rejectionOf<DelugeProtocolError>(client.connect());
      expect(notText).toBeInstanceOf(DelugeProtocolError);
      expect(notText.message).toMatch(/^daemon\.info answered \["x+… \[\d+ more chars\]",2\], not a version string$/);
      expect(notText.message.length).toBeLessThan(160);
    } finally {
      await client.close();
      await daemon.close();
    }
  });

  it('keeps remote error messages from a daemon as Deluge wrote them, once', async () => {
    const daemon = await startFakeDaemon();
    const client = new DelugeClient({ host: daemon.host, port: daemon.port, username: 'admin', password: 'nope' });
    try {
      const error = await rejectionOf<DelugeRemoteError>(client.connect());
      expect(error).toBeInstanceOf(DelugeRemoteError);
      expect(error.message).toBe('Password does not match');
    } finally {
      await client.close();
      await daemon.close();
    }
  });
});
