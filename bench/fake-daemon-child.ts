/** Starts and stops bench/fake-daemon-process.ts as a child process. */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A child process serving `daemons` fake daemons with `torrents` torrents each, and their ports. */
export async function startFakeDaemonProcess(
  torrents: number,
  daemons = 1,
): Promise<{ child: ChildProcess; ports: number[] }> {
  const script = join(import.meta.dirname, 'fake-daemon-process.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', script, String(torrents), String(daemons)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`fake daemon process exited early with code ${code}`)));
  });
  const firstLine = new Promise<string>((resolve) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
  });
  const { ports } = JSON.parse(await Promise.race([firstLine, exited])) as { ports: number[] };
  return { child, ports };
}

export async function stopFakeDaemonProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  await exited;
}
