import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type BencodeValue, bencode } from './bencode.js';

/** One file of a multi-file torrent: path components below the torrent's folder, and size. */
export interface TorrentFileSpec {
  readonly path: readonly string[];
  readonly length: number;
}

/** Options of {@link makeTorrent}. Give exactly one of `length`, `data` or `files`. */
export interface MakeTorrentOptions {
  /** Torrent name: the file name (single file) or folder name (multi-file); any Unicode. */
  readonly name: string;
  /** Single-file torrent with this many random bytes. */
  readonly length?: number;
  /** Single-file torrent with exactly this content. */
  readonly data?: Buffer;
  /** Multi-file torrent with random content per file. */
  readonly files?: readonly TorrentFileSpec[];
  /** Power of two, at least 16 KiB. Default 16 KiB. */
  readonly pieceLength?: number;
  /** Tracker URL; default none (Deluge then never announces). */
  readonly announce?: string;
}

/** A file of the torrent's content, with its path relative to the download directory. */
export interface TorrentDataFile {
  readonly relativePath: string;
  readonly content: Buffer;
}

/** A generated torrent and the content it describes. */
export interface GeneratedTorrent {
  readonly name: string;
  /** The bencoded .torrent file. */
  readonly torrentBytes: Buffer;
  /** SHA-1 of the bencoded `info` dictionary, 40 lowercase hex digits (Deluge's torrent id). */
  readonly infoHash: string;
  readonly pieceLength: number;
  /** Sum of all file lengths (Deluge's `total_wanted` / `total_size`). */
  readonly totalLength: number;
  readonly dataFiles: readonly TorrentDataFile[];
}

/** The options of {@link makeTorrent} describe no valid torrent. */
export class TorrentSpecError extends Error {
  override readonly name = 'TorrentSpecError';
}

const MIN_PIECE_LENGTH = 16 * 1024;

function checkLength(length: number, what: string): void {
  if (!Number.isSafeInteger(length) || length < 0) {
    throw new TorrentSpecError(`${what} must be a non-negative integer, got ${length}`);
  }
}

function checkPathComponent(component: string, name: string): void {
  if (component === '' || component === '.' || component === '..' || component.includes('/')) {
    throw new TorrentSpecError(`invalid path component ${JSON.stringify(component)} in ${JSON.stringify(name)}`);
  }
}

function pieceHashes(content: Buffer, pieceLength: number): Buffer {
  const hashes: Buffer[] = [];
  for (let offset = 0; offset < content.length; offset += pieceLength) {
    hashes.push(
      createHash('sha1')
        .update(content.subarray(offset, offset + pieceLength))
        .digest(),
    );
  }
  return Buffer.concat(hashes);
}

function contentOf(options: MakeTorrentOptions): { files: TorrentDataFile[]; multiFile: boolean } {
  const given = [options.length, options.data, options.files].filter((value) => value !== undefined).length;
  if (given !== 1) {
    throw new TorrentSpecError(`torrent ${JSON.stringify(options.name)} needs exactly one of length, data or files`);
  }
  if (options.data !== undefined)
    return { files: [{ relativePath: options.name, content: options.data }], multiFile: false };
  if (options.length !== undefined) {
    checkLength(options.length, 'length');
    return { files: [{ relativePath: options.name, content: randomBytes(options.length) }], multiFile: false };
  }
  const specs = options.files ?? [];
  if (specs.length === 0) throw new TorrentSpecError(`torrent ${JSON.stringify(options.name)} has an empty files list`);
  const files = specs.map((spec) => {
    checkLength(spec.length, `length of ${spec.path.join('/')}`);
    if (spec.path.length === 0) throw new TorrentSpecError('a file path needs at least one component');
    for (const component of spec.path) checkPathComponent(component, spec.path.join('/'));
    return { relativePath: join(options.name, ...spec.path), content: randomBytes(spec.length) };
  });
  return { files, multiFile: true };
}

/**
 * Builds a .torrent (BEP 3) for generated or given content, entirely in memory.
 *
 * @throws TorrentSpecError for a bad name, length, path or piece length (the message names the value)
 */
export function makeTorrent(options: MakeTorrentOptions): GeneratedTorrent {
  const pieceLength = options.pieceLength ?? MIN_PIECE_LENGTH;
  if (!Number.isSafeInteger(pieceLength) || pieceLength < MIN_PIECE_LENGTH || (pieceLength & (pieceLength - 1)) !== 0) {
    throw new TorrentSpecError(
      `pieceLength must be a power of two of at least ${MIN_PIECE_LENGTH}, got ${pieceLength}`,
    );
  }
  checkPathComponent(options.name, options.name);
  const { files, multiFile } = contentOf(options);
  const allContent = Buffer.concat(files.map((file) => file.content));
  if (allContent.length === 0) throw new TorrentSpecError(`torrent ${JSON.stringify(options.name)} has no content`);
  const info: Record<string, BencodeValue> = {
    name: options.name,
    'piece length': pieceLength,
    pieces: pieceHashes(allContent, pieceLength),
  };
  if (multiFile) {
    info.files = (options.files ?? []).map((spec) => ({ length: spec.length, path: [...spec.path] }));
  } else {
    info.length = allContent.length;
  }
  const infoBytes = bencode(info);
  const metainfo: Record<string, BencodeValue> = { info };
  if (options.announce !== undefined) metainfo.announce = options.announce;
  return {
    name: options.name,
    torrentBytes: bencode(metainfo),
    infoHash: createHash('sha1').update(infoBytes).digest('hex'),
    pieceLength,
    totalLength: allContent.length,
    dataFiles: files,
  };
}

/** Writes the torrent's content below `directory`, as a client that completed it would have it. */
export async function writeTorrentData(torrent: GeneratedTorrent, directory: string): Promise<void> {
  for (const file of torrent.dataFiles) {
    const path = join(directory, file.relativePath);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.content);
  }
}
