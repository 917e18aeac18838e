import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyTrackerStatus,
  MAX_TRACKER_MESSAGE_LENGTH,
  TRACKER_ERROR_KINDS,
  type TrackerErrorKind,
  trackerErrorKind,
} from '../../../src/collector/tracker-status.js';

/**
 * Messages real trackers and libtorrent put after Deluge's `Error: `, by the kind they must get.
 * Deluge 2.0.3 with libtorrent 2.0.8 was seen to show `Connection refused`, `timed out`,
 * `Host not found (authoritative)`, `wrong version number`, `blocked by SSRF mitigation` and a
 * tracker's `failure reason` verbatim (test/integration/tracker-harness.test.ts shows some of them).
 */
const PHRASINGS: Readonly<Record<TrackerErrorKind, readonly string[]>> = {
  unregistered: [
    'Unregistered torrent', // Gazelle / Ocelot
    'unregistered torrent', // XBT Tracker
    'Torrent not registered with this tracker', // xbtit
    'Torrent not found', // UNIT3D
    'Torrent has been deleted', // UNIT3D
    'Torrent was removed',
    'torrent does not exist',
    'infohash not found',
    'info_hash not found',
    'Unknown torrent',
    'Requested download is not authorized for use with this tracker.', // opentracker whitelist
    'Unregistered torrent: passkey abc', // both words: the torrent is the cause
  ],
  unauthorized: [
    'Invalid passkey',
    'passkey not found',
    'Unknown passkey',
    'Invalid authkey',
    'Your account is disabled',
    'Your account has been banned',
    'Account disabled',
    'client is banned',
    'Your client is not allowed on this tracker',
    'Banned client',
    'Unknown user',
    '401 Unauthorized',
    '403 Forbidden',
  ],
  unreachable: [
    'Connection refused', // libtorrent / asio
    'Connection reset by peer',
    'Connection timed out',
    'timed out',
    'Host not found (authoritative)',
    'Host not found (non-authoritative), try again later',
    'Name or service not known',
    'Temporary failure in name resolution',
    'No route to host',
    'Network is unreachable',
    'End of file',
    'certificate verify failed (SSL routines)',
    'wrong version number',
    'wrong version number (SSL routines)',
    'sslv3 alert handshake failure',
    'stream truncated',
    '502 Bad Gateway',
    '503 Service Unavailable',
  ],
  other: [
    'tracker sent a failure message',
    'invalid tracker response',
    'blocked by SSRF mitigation',
    '404 Not Found',
    'Torrent non enregistré', // French "unregistered torrent"
    'Torrent nicht registriert', // German
    'Торрент не зарегистрирован', // Russian
    '种子未注册', // Chinese
    'Clé d’accès invalide', // French "invalid passkey"
    'Slow down',
    '',
  ],
};

const CASES = TRACKER_ERROR_KINDS.flatMap((kind) => PHRASINGS[kind].map((message) => [kind, message] as const));

function randomCase(text: string, flips: readonly boolean[]): string {
  return Array.from(text, (char, index) =>
    flips[index % flips.length] ? char.toUpperCase() : char.toLowerCase(),
  ).join('');
}

describe('trackerErrorKind', () => {
  it.each(CASES)('%s: %j', (kind, message) => {
    expect(trackerErrorKind(message)).toBe(kind);
  });

  it('ignores case, whatever it is', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...CASES),
        fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }),
        ([kind, message], flips) => {
          expect(trackerErrorKind(randomCase(message, flips))).toBe(kind);
        },
      ),
    );
  });

  it('covers every kind with at least one phrasing', () => {
    for (const kind of TRACKER_ERROR_KINDS) expect(PHRASINGS[kind].length).toBeGreaterThan(0);
  });
});

describe('classifyTrackerStatus', () => {
  it('classifies the text after Deluge\'s "Error: " and keeps it as the message', () => {
    expect(classifyTrackerStatus('Error: Unregistered torrent')).toEqual({
      kind: 'unregistered',
      message: 'Unregistered torrent',
    });
    expect(classifyTrackerStatus('Error: Connection refused')).toEqual({
      kind: 'unreachable',
      message: 'Connection refused',
    });
    expect(classifyTrackerStatus('error:Invalid passkey')).toEqual({
      kind: 'unauthorized',
      message: 'Invalid passkey',
    });
  });

  it('classifies every phrasing the same behind the prefix', () => {
    for (const [kind, message] of CASES) {
      expect(classifyTrackerStatus(`Error: ${message}`)).toEqual({ kind, message });
    }
  });

  it('is no error for the statuses Deluge sets when the tracker answers, or for warnings', () => {
    for (const status of [
      'Announce OK',
      'Announce Sent',
      'Warning: tracker.example: warning: Unregistered torrent',
      '',
      'Unregistered torrent',
      'Not an Error: Unregistered torrent',
    ]) {
      expect(classifyTrackerStatus(status)).toBeUndefined();
    }
  });

  it('is no error for a status that is not a string', () => {
    for (const status of [undefined, null, 3, 1n, ['Error: x'], { status: 'Error: x' }, Buffer.from('Error: x')]) {
      expect(classifyTrackerStatus(status)).toBeUndefined();
    }
  });

  it('is never dropped: any "Error:" status gets one of the four kinds', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 300 }), (text) => {
        const error = classifyTrackerStatus(`Error: ${text}`);
        expect(error).toBeDefined();
        expect(TRACKER_ERROR_KINDS).toContain(error?.kind);
      }),
    );
  });

  it('makes the message one line, trimmed, with whitespace and control character runs as one space', () => {
    expect(classifyTrackerStatus('Error:   Torrent\r\nnot\tfound\u0000\u001b[31m  ')?.message).toBe(
      'Torrent not found [31m',
    );
  });

  it('cuts a long message to the bound with an ellipsis, never inside a surrogate pair', () => {
    const long = `Invalid passkey ${'🦀'.repeat(500)}`;
    const error = classifyTrackerStatus(`Error: ${long}`);
    expect(error?.kind).toBe('unauthorized');
    const codePoints = Array.from(error?.message ?? '');
    expect(codePoints).toHaveLength(MAX_TRACKER_MESSAGE_LENGTH);
    expect(codePoints.at(-1)).toBe('…');
    expect(error?.message.startsWith('Invalid passkey 🦀')).toBe(true);
    expect(error?.message).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });

  it('keeps a message of exactly the bound whole', () => {
    const exact = 'x'.repeat(MAX_TRACKER_MESSAGE_LENGTH);
    expect(classifyTrackerStatus(`Error: ${exact}`)?.message).toBe(exact);
  });

  it('reads only the start of a huge status: a phrase far behind the start does not count', () => {
    const filler = 'a '.repeat(5_000_000);
    expect(classifyTrackerStatus(`Error: ${filler}Unregistered torrent`)?.kind).toBe('other');
    const error = classifyTrackerStatus(`Error: Connection refused ${filler}Unregistered torrent`);
    expect(error?.kind).toBe('unreachable');
    expect(Array.from(error?.message ?? '').length).toBeLessThanOrEqual(MAX_TRACKER_MESSAGE_LENGTH);
    expect(error?.message).toMatch(/^Connection refused a a .* a…$/);
  });
});
