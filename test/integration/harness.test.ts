import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../src/rpc/api.js';
import { bdecode, bencode } from '../harness/bencode.js';
import { connectClient } from '../harness/clients.js';
import { type DaemonHandle, DaemonStartError, startDaemon, stopAllDaemons } from '../harness/daemon.js';
import { applyQuietConfig } from '../harness/deluge-calls.js';
import { quietCoreConfig } from '../harness/quiet-config.js';
import { makeTorrent, TorrentSpecError } from '../harness/torrent.js';

const run = promisify(execFile);
const HARNESS_DAEMON_MODULE = fileURLToPath(new URL('../harness/daemon.ts', import.meta.url));

/** What Debian's libtorrent (an independent implementation) reads from a .torrent. */
interface LibtorrentView {
  infoHash: string;
  name: string;
  totalSize: number;
  numPieces: number;
  pieceLength: number;
  files: { path: string; size: number }[];
}

const LIBTORRENT_READ = `
import json, sys, libtorrent as lt
ti = lt.torrent_info(lt.bdecode(sys.stdin.buffer.read()))
fs = ti.files()
print(json.dumps({'infoHash': str(ti.info_hash()), 'name': ti.name(), 'totalSize': ti.total_size(),
  'numPieces': ti.num_pieces(), 'pieceLength': ti.piece_length(),
  'files': [{'path': fs.file_path(i), 'size': fs.file_size(i)} for i in range(fs.num_files())]}))
`;

async function readWithLibtorrent(torrentBytes: Buffer): Promise<LibtorrentView> {
  const child = execFile('/usr/bin/python3', ['-c', LIBTORRENT_READ]);
  const output = new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(stdout) : reject(new Error(`python exited ${code}`))));
  });
  child.stdin?.end(torrentBytes);
  return JSON.parse(await output) as LibtorrentView;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function tlsPeerCertificate(host: string, port: number): Promise<ReturnType<TLSSocket['getPeerCertificate']>> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, rejectUnauthorized: false }, () => {
      const certificate = socket.getPeerCertificate();
      socket.destroy();
      resolve(certificate);
    });
    socket.once('error', reject);
  });
}

describe('bencode', () => {
  it('encodes the BEP 3 examples', () => {
    expect(bencode('spam').toString()).toBe('4:spam');
    expect(bencode(3).toString()).toBe('i3e');
    expect(bencode(-3).toString()).toBe('i-3e');
    expect(bencode(['spam', 'eggs']).toString()).toBe('l4:spam4:eggse');
    expect(bencode({ spam: 'eggs', cow: 'moo' }).toString()).toBe('d3:cow3:moo4:spam4:eggse');
  });

  it('counts bytes, not characters, and sorts keys by their bytes', () => {
    expect(bencode('Ü').toString('utf8')).toBe('2:Ü');
    // 'é' (0xC3 0xA9) sorts after 'z' (0x7A) by bytes.
    expect(bencode({ é: 1, z: 2 }).toString('utf8')).toBe('d1:zi2e2:éi1ee');
  });

  it('refuses numbers that are not safe integers', () => {
    expect(() => bencode(1.5)).toThrow(/1\.5/);
  });

  it('decodes the BEP 3 examples and what it encodes; refuses truncated or trailing bytes', () => {
    expect(bdecode(Buffer.from('d3:cow3:moo4:spaml4:eggsi-3eee'))).toEqual({
      cow: Buffer.from('moo'),
      spam: [Buffer.from('eggs'), -3n],
    });
    const value = { é: [0, 'Ü', Buffer.from([0, 255])], z: { n: 12345678901 } };
    expect(bencode(bdecode(bencode(value)))).toEqual(bencode(value));
    expect(() => bdecode(Buffer.from('4:spa'))).toThrow('byte string at byte 0 runs past the end');
    expect(() => bdecode(Buffer.from('i3ex'))).toThrow('1 bytes after the value at byte 3');
    expect(() => bdecode(Buffer.from('i03e'))).toThrow('bad integer at byte 0');
  });
});

describe('makeTorrent', () => {
  it('builds a single-file torrent that libtorrent reads back identically', async () => {
    const torrent = makeTorrent({ name: 'Übung – 日本語 🎵.bin', length: 40_000, pieceLength: 16_384 });
    const view = await readWithLibtorrent(torrent.torrentBytes);
    expect(view).toEqual({
      infoHash: torrent.infoHash,
      name: 'Übung – 日本語 🎵.bin',
      totalSize: 40_000,
      numPieces: 3,
      pieceLength: 16_384,
      files: [{ path: 'Übung – 日本語 🎵.bin', size: 40_000 }],
    });
    expect(torrent.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(torrent.dataFiles[0]?.content.length).toBe(40_000);
  });

  it('builds a multi-file torrent whose file list libtorrent agrees with', async () => {
    const torrent = makeTorrent({
      name: 'album',
      files: [
        { path: ['a.txt'], length: 10 },
        { path: ['sub', 'b.bin'], length: 20_000 },
      ],
      pieceLength: 32_768,
    });
    const view = await readWithLibtorrent(torrent.torrentBytes);
    expect(view.infoHash).toBe(torrent.infoHash);
    expect(view.files).toEqual([
      { path: 'album/a.txt', size: 10 },
      { path: 'album/sub/b.bin', size: 20_000 },
    ]);
    expect(view.totalSize).toBe(torrent.totalLength);
    expect(torrent.dataFiles.map((file) => file.relativePath)).toEqual(['album/a.txt', 'album/sub/b.bin']);
  });

  it('gives the same info-hash for the same content', () => {
    const data = Buffer.from('hello torrent');
    expect(makeTorrent({ name: 'x', data }).infoHash).toBe(makeTorrent({ name: 'x', data }).infoHash);
    expect(makeTorrent({ name: 'y', data }).infoHash).not.toBe(makeTorrent({ name: 'x', data }).infoHash);
  });

  it('rejects bad specifications naming the bad value', () => {
    expect(() => makeTorrent({ name: 'a', length: 1, pieceLength: 1000 })).toThrow(TorrentSpecError);
    expect(() => makeTorrent({ name: 'a', length: 1, pieceLength: 1000 })).toThrow(/1000/);
    expect(() => makeTorrent({ name: 'a' })).toThrow(/exactly one of/);
    expect(() => makeTorrent({ name: 'a', length: -1 })).toThrow(/-1/);
    expect(() => makeTorrent({ name: 'a', length: 0 })).toThrow(/no content/);
    expect(() => makeTorrent({ name: 'a', files: [{ path: ['..'], length: 1 }] })).toThrow(/"\.\."/);
  });
});

describe('startDaemon', () => {
  let daemon: DaemonHandle;

  beforeAll(async () => {
    daemon = await startDaemon();
  });

  afterAll(async () => {
    await stopAllDaemons();
  });

  it('runs deluged 2.x with TLS on the chosen loopback port and the given accounts', async () => {
    const certificate = await tlsPeerCertificate(daemon.host, daemon.port);
    expect(certificate.subject.CN).toBe('Deluge Daemon');
    const auth = readFileSync(`${daemon.configDir}/auth`, 'utf8');
    for (const account of daemon.accounts) {
      expect(auth).toContain(`${account.username}:${account.password}:${account.level}`);
    }
    expect(daemon.accounts.map((account) => account.level)).toEqual([10, 5]);
    expect(daemon.admin.username).toBe('admin');
    expect(daemon.btPort).not.toBe(daemon.port);
  });

  it('kill() ends the process at once and restart() brings it back on the same port', async () => {
    const firstPid = daemon.pid;
    expect(firstPid).toBeDefined();
    await daemon.kill();
    expect(daemon.pid).toBeUndefined();
    expect(processAlive(firstPid!)).toBe(false);
    await expect(tlsPeerCertificate(daemon.host, daemon.port)).rejects.toThrow(/ECONNREFUSED/);

    await daemon.restart();
    expect(daemon.pid).not.toBe(firstPid);
    expect((await tlsPeerCertificate(daemon.host, daemon.port)).subject.CN).toBe('Deluge Daemon');
  });

  it('stop() shuts down cleanly and keeps the directory for a restart', async () => {
    const pid = daemon.pid!;
    await daemon.stop();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(daemon.configDir)).toBe(true);
    await daemon.restart();
    expect(processAlive(daemon.pid!)).toBe(true);
  });

  it('configures the daemon quietly from the start, and applyQuietConfig restores that', async () => {
    const client = await connectClient(daemon);
    try {
      const expected = quietCoreConfig(daemon.btPort, daemon.dataDir);
      const keys = Object.keys(expected);
      expect(await client.call(requests.core.getConfigValues(keys))).toEqual(expected);
      expect(await client.call(requests.core.getListenPort())).toBe(daemon.btPort);

      await client.call(requests.core.setConfig({ dht: true, max_active_seeding: 3 }));
      expect(await client.call(requests.core.getConfigValues(['dht', 'max_active_seeding']))).toEqual({
        dht: true,
        max_active_seeding: 3,
      });
      await applyQuietConfig(client, daemon);
      expect(await client.call(requests.core.getConfigValues(keys))).toEqual(expected);
    } finally {
      await client.close();
    }
  });

  it('refuses accounts without an admin', async () => {
    await expect(startDaemon({ accounts: [{ username: 'u', password: 'p', level: 5 }] })).rejects.toThrow(
      DaemonStartError,
    );
  });

  it('gives up with DaemonStartError after the ready timeout', async () => {
    const error = await startDaemon({ readyTimeoutMs: 1 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DaemonStartError);
    expect((error as Error).message).toMatch(/did not accept TLS on 127\.0\.0\.1:\d+ within 1 ms/);
  });

  it('stopAllDaemons() ends every daemon and removes its files', async () => {
    const other = await startDaemon();
    const pid = other.pid!;
    await stopAllDaemons();
    expect(processAlive(pid)).toBe(false);
    expect(existsSync(other.configDir)).toBe(false);
    daemon = await startDaemon();
  });

  it.each([
    ['exits normally', 'process.exit(0)'],
    ['is killed with SIGKILL', "process.kill(process.pid, 'SIGKILL')"],
  ])('leaves no deluged behind when the test process %s', async (_case, ending) => {
    const script = [
      `const { startDaemon } = await import(${JSON.stringify(HARNESS_DAEMON_MODULE)});`,
      'const daemon = await startDaemon();',
      'console.log(JSON.stringify({ pid: daemon.pid, configDir: daemon.configDir }));',
      ending,
    ].join('\n');
    const result = await run('node', ['--import', 'tsx', '--input-type=module', '-e', script]).catch(
      (error: { stdout: string }) => error,
    );
    const started = JSON.parse(result.stdout.trim()) as { pid: number; configDir: string };
    expect(started.pid).toBeGreaterThan(0);
    await expect.poll(() => processAlive(started.pid), { timeout: 5_000 }).toBe(false);
    rmSync(started.configDir, { recursive: true, force: true });
  });
});
