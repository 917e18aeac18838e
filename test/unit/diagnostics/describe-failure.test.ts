import { describe, expect, it } from 'vitest';
import {
  DelugeAuthError,
  DelugeCertificatePinError,
  DelugeConnectionError,
  DelugeNotAuthorizedError,
  DelugeProtocolError,
  DelugeRemoteError,
  DelugeTimeoutError,
  DelugeWrappedError,
} from '../../../src/rpc/index.js';
import { describeFailure } from '../../../src/text/describe-failure.js';

const PIN = `${'AB:'.repeat(31)}CD`;

describe('describeFailure', () => {
  it.each([
    [new DelugeCertificatePinError(PIN, PIN.replace('CD', 'EF')), 'certificate mismatch', 'tls.fingerprint_sha256'],
    [
      new DelugeConnectionError('cannot connect to h:1: self-signed certificate', {
        cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      }),
      'certificate mismatch',
      'tls.ca_file',
    ],
    [new DelugeAuthError('Password does not match', 'BadLoginError', [], {}, ''), 'login refused', 'auth file'],
    [
      new DelugeNotAuthorizedError('Auth level too low: 1 < 5', 'NotAuthorizedError', [1, 5], {}, ''),
      'permission denied',
      'level 10',
    ],
    [new DelugeTimeoutError('no reply'), 'timed out', 'overloaded'],
    [new DelugeConnectionError('connect ECONNREFUSED 127.0.0.1:1'), 'unreachable', 'listening'],
    [new DelugeProtocolError('unknown message type 7'), 'not a Deluge 2.x daemon', 'Deluge 2.x'],
    [new DelugeRemoteError('nope', 'InvalidTorrentError', ['nope'], {}, ''), 'daemon error', 'its own log'],
    [new Error('core.get_session_state did not answer a list'), 'unexpected answer', 'report it'],
  ])('%s is a %s failure', (error, category, hintWord) => {
    const described = describeFailure(error);
    expect(described.category).toBe(category);
    expect(described.hint).toContain(hintWord);
  });

  it('names the daemon-side exception class in the detail, but not for a refused login', () => {
    const wrapped = new DelugeWrappedError('bad key', 'WrappedException', ['bad key', 'KeyError', 'tb'], {}, '');
    expect(describeFailure(wrapped).detail).toBe('KeyError: bad key');
    const remote = new DelugeRemoteError('no such torrent', 'InvalidTorrentError', ['no such torrent'], {}, '');
    expect(describeFailure(remote).detail).toBe('InvalidTorrentError: no such torrent');
    const login = new DelugeAuthError('Password does not match', 'BadLoginError', [], {}, '');
    expect(describeFailure(login).detail).toBe('Password does not match');
  });

  it('keeps the detail short and free of the given secrets', () => {
    const described = describeFailure(new Error(`pw=hunter2 ${'x'.repeat(10_000)}`), ['hunter2']);
    expect(described.detail.startsWith('pw=[REDACTED] xxx')).toBe(true);
    expect(Array.from(described.detail)).toHaveLength(300);
  });
});
