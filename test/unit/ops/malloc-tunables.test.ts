import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { envOf, imageRuntimeStage } from '../../support/dockerfile.js';
import { readUnitFile, unitEnvironment } from '../../support/systemd-unit.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const imageTunables = envOf(imageRuntimeStage(ROOT)).GLIBC_TUNABLES ?? '';
const unitTunables =
  unitEnvironment(readUnitFile(join(ROOT, 'deploy/systemd/deluge-exporter.service'))).GLIBC_TUNABLES ?? '';
const MiB = 1024 * 1024;

/**
 * RSS of a node process (this test's Node.js) before and after 20 MiB of 64 KiB Buffers, each
 * followed by a 4 KiB Buffer that stays alive, are freed: the small ones pin the heap, as a scrape's
 * long-lived objects do, so glibc's default malloc cannot give the freed memory back.
 */
function rssAroundFreedBuffers(glibcTunables: string | undefined): { full: number; freed: number } {
  const script = `
    const kept = [];
    let freed = [];
    for (let i = 0; i < 320; i++) {
      freed.push(Buffer.allocUnsafeSlow(64 * 1024).fill(1));
      kept.push(Buffer.allocUnsafeSlow(4096).fill(1));
    }
    const full = process.memoryUsage.rss();
    freed = undefined;
    for (let i = 0; i < 5; i++) {
      globalThis.gc();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    process.stdout.write(JSON.stringify({ full, freed: process.memoryUsage.rss(), kept: kept.length }));
  `;
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    ...(glibcTunables === undefined ? {} : { GLIBC_TUNABLES: glibcTunables }),
  };
  const run = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    env,
    encoding: 'utf8',
  });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as { full: number; freed: number };
}

describe("glibc's malloc tunables of the image and the systemd unit (GLIBC_TUNABLES)", () => {
  it('are set, and the same in the Dockerfile and in deploy/systemd/deluge-exporter.service', () => {
    expect(imageTunables).toMatch(/^glibc\.malloc\./);
    expect(unitTunables).toBe(imageTunables);
  });

  it('name tunables glibc knows, each taking the value set (glibc ignores a misspelled name silently)', () => {
    const listed = spawnSync('ld.so', ['--list-tunables'], {
      env: { GLIBC_TUNABLES: imageTunables },
      encoding: 'utf8',
    }).stdout;
    for (const setting of imageTunables.split(':')) {
      const [name = '', value = ''] = setting.split('=');
      const shown = new RegExp(`^${name.replaceAll('.', '\\.')}: (\\S+) `, 'm').exec(listed)?.[1];
      expect(shown, `${name} in ld.so --list-tunables`).toBeDefined();
      expect(Number(shown), name).toBe(Number(value));
    }
  });

  it('give the memory of freed 64 KiB Buffers back to the system, which the default malloc keeps', () => {
    const tuned = rssAroundFreedBuffers(imageTunables);
    const untuned = rssAroundFreedBuffers(undefined);
    expect(tuned.full - tuned.freed).toBeGreaterThan(15 * MiB);
    expect(untuned.full - untuned.freed).toBeLessThan(5 * MiB);
  });
});
