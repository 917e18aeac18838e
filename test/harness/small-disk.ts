import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DelugeInstall, daemonParentDir } from './deluge-versions.js';

/** A small filesystem of its own (a tmpfs) that a daemon saves into and a test fills and frees. */
export interface SmallDisk {
  /** The mount point, the same path for the host's and the chroot's daemons. */
  readonly path: string;
  /** The tmpfs `size=`. */
  readonly sizeBytes: number;
  /** Free bytes as `statvfs` reports them to an unprivileged writer (what Deluge's `get_free_space` reads). */
  freeBytes(): Promise<number>;
  /**
   * Writes (or grows) a filler file until exactly `leaveFreeBytes` stay free.
   * @throws SmallDiskError when less is free already or the result is not exact (give multiples of 4 KiB)
   */
  fill(leaveFreeBytes: number): Promise<void>;
  /** Deletes the filler file: the space it took is free again. */
  release(): Promise<void>;
  /** Unmounts (the chroot's view first) and removes the mount point. Safe to call twice. */
  unmount(): Promise<void>;
}

/** The disk could not be mounted, filled or unmounted as asked. */
export class SmallDiskError extends Error {
  override readonly name = 'SmallDiskError';
}

const FILLER = 'filler.bin';
/** Mount points still mounted, unmounted lazily if the process exits without `unmount`. */
const mounted = new Set<string>();

/**
 * Mounts a tmpfs of `sizeBytes` on a fresh directory under the daemons' temp directory and, for a
 * chroot `install` (Deluge 2.2), binds it to the same path inside the root, whose `/tmp` bind does not
 * carry later mounts. Needs root.
 *
 * @throws SmallDiskError when not root or a mount fails (the message has mount's output)
 */
export function mountSmallDisk(sizeBytes: number, install: DelugeInstall): SmallDisk {
  if (process.getuid?.() !== 0) throw new SmallDiskError('mounting a tmpfs needs root; run the tests as root');
  const path = mkdtempSync(join(daemonParentDir(install, tmpdir()), 'small-disk-'));
  const views = install.root === undefined ? [path] : [path, join(install.root, path)];
  try {
    run('mount', ['-t', 'tmpfs', '-o', `size=${sizeBytes},mode=0755`, 'tmpfs', path]);
    mounted.add(path);
    if (install.root !== undefined) {
      run('mount', ['--bind', path, join(install.root, path)]);
      mounted.add(join(install.root, path));
    }
  } catch (error) {
    unmountViews([...views].reverse(), path);
    throw error;
  }
  const freeBytes = async () => {
    const stats = await statfs(path);
    return stats.bavail * stats.bsize;
  };
  let unmounted = false;
  return {
    path,
    sizeBytes,
    freeBytes,
    async fill(leaveFreeBytes) {
      const free = await freeBytes();
      if (free < leaveFreeBytes) {
        throw new SmallDiskError(`${path} has ${free} bytes free, less than the ${leaveFreeBytes} to leave`);
      }
      await writeFile(join(path, FILLER), Buffer.alloc(free - leaveFreeBytes, 0xa5), { flag: 'a' });
      const after = await freeBytes();
      if (after !== leaveFreeBytes) {
        throw new SmallDiskError(`${path} has ${after} bytes free after filling, not ${leaveFreeBytes}`);
      }
    },
    release: () => rm(join(path, FILLER), { force: true }),
    async unmount() {
      if (unmounted) return;
      unmounted = true;
      unmountViews([...views].reverse(), path);
    },
  };
}

function run(command: string, args: readonly string[]): void {
  try {
    execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const output = (error as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    throw new SmallDiskError(`${command} ${args.join(' ')} failed: ${output || (error as Error).message}`);
  }
}

/**
 * Unmounts each view that is still mounted, lazily when it is busy (a daemon killed a moment ago may
 * still hold its files), then removes the host's mount point.
 */
function unmountViews(views: readonly string[], hostPath: string): void {
  for (const view of views) {
    if (!mounted.delete(view)) continue;
    if (spawnSync('umount', [view], { stdio: 'ignore' }).status !== 0) {
      spawnSync('umount', ['-l', view], { stdio: 'ignore' });
    }
  }
  rmSync(hostPath, { recursive: true, force: true });
}

process.on('exit', () => {
  const views = [...mounted].sort((a, b) => b.length - a.length);
  for (const view of views) {
    mounted.delete(view);
    spawnSync('umount', ['-l', view], { stdio: 'ignore' });
  }
});
