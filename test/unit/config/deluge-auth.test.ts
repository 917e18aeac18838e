import { describe, expect, it } from 'vitest';
import { authFilePath, delugeConfigDirCandidates, findAuthPassword } from '../../../src/config/deluge-auth.js';

describe('findAuthPassword', () => {
  it('finds the user in 2- and 3-field lines, skipping comments and blanks', () => {
    const text = '# header\n\n  localclient:abc:10  \nold:oldpw\n';
    expect(findAuthPassword(text, 'localclient')).toBe('abc');
    expect(findAuthPassword(text, 'old')).toBe('oldpw');
  });

  it('ignores malformed lines and unknown users', () => {
    expect(findAuthPassword('localclient:a:b:c\nlocalclient\n', 'localclient')).toBeUndefined();
    expect(findAuthPassword('bob:pw:10\n', 'localclient')).toBeUndefined();
  });
});

describe('delugeConfigDirCandidates', () => {
  it('uses DELUGE_CONFIG_DIR alone when set', () => {
    expect(delugeConfigDirCandidates({ env: { DELUGE_CONFIG_DIR: '/d' }, homedir: '/h', platform: 'linux' })).toEqual([
      '/d',
    ]);
  });

  it('follows XDG on Linux and adds the Debian service dir', () => {
    expect(delugeConfigDirCandidates({ env: {}, homedir: '/h', platform: 'linux' })).toEqual([
      '/h/.config/deluge',
      '/var/lib/deluged/config',
    ]);
    expect(delugeConfigDirCandidates({ env: { XDG_CONFIG_HOME: '/x' }, homedir: '/h', platform: 'linux' })).toEqual([
      '/x/deluge',
      '/var/lib/deluged/config',
    ]);
  });

  it('uses %APPDATA%\\deluge on Windows', () => {
    const env = { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' };
    const [dir] = delugeConfigDirCandidates({ env, homedir: 'C:\\Users\\a', platform: 'win32' });
    expect(dir).toBe('C:\\Users\\a\\AppData\\Roaming\\deluge');
    expect(authFilePath(dir ?? '', 'win32')).toBe('C:\\Users\\a\\AppData\\Roaming\\deluge\\auth');
  });
});
