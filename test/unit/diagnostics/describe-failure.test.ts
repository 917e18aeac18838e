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
import {
  WebUiAuthError,
  WebUiCertificatePinError,
  WebUiConnectionError,
  WebUiDaemonChoiceError,
  WebUiHttpError,
  WebUiLimitError,
  WebUiNotJsonError,
  WebUiRemoteError,
  WebUiTimeoutError,
} from '../../../src/webui/index.js';

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
    [new WebUiCertificatePinError(PIN, PIN.replace('CD', 'EF')), 'certificate mismatch', 'web.tls.fingerprint_sha256'],
    [
      new WebUiConnectionError('cannot reach the Web UI: self-signed certificate', {
        cause: Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }),
      }),
      'certificate mismatch',
      'web.tls.ca_file',
    ],
    [new WebUiAuthError('the Web UI refused the password'), 'login refused', 'web.password'],
    [new WebUiDaemonChoiceError('connected to another daemon'), 'Web UI on another daemon', 'never switches'],
    [new WebUiTimeoutError('no answer'), 'timed out', 'in time'],
    [new WebUiConnectionError('cannot reach the Web UI: connect ECONNREFUSED'), 'unreachable', 'deluge-web running'],
    [new WebUiLimitError('answer larger than 1 bytes', 'maxAnswerBytes', 1), 'answer too large', 'max_frame_bytes'],
    [new WebUiHttpError(401, '""'), 'not a Deluge Web UI', 'web.basic_auth'],
    [new WebUiNotJsonError('text/html', '"<html>"', 'answer is not JSON'), 'not a Deluge Web UI', 'base path'],
    [new WebUiRemoteError(4, 'Failure: boom', { method: 'core.x' }), 'daemon error', "deluge-web's"],
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
