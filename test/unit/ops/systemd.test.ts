import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { readUnitFile } from '../../support/systemd-unit.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const UNIT = join(ROOT, 'deploy/systemd/deluge-exporter.service');
const unit = readUnitFile(UNIT);
const service = unit.get('Service') ?? new Map<string, readonly string[]>();
const scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-systemd-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const verify = (path: string) => spawnSync('systemd-analyze', ['verify', path], { encoding: 'utf8', cwd: scratch });

describe('deploy/systemd/deluge-exporter.service', () => {
  it('passes systemd-analyze verify, which does catch a broken unit', () => {
    const clean = verify(UNIT);
    expect(clean.stdout + clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    const broken = join(scratch, 'deluge-exporter.service');
    writeFileSync(broken, readFileSync(UNIT, 'utf8').replace('ProtectSystem=strict', 'ProtectSystem=strictly'));
    expect(verify(broken).stderr).toMatch(/Failed to parse protect system value/i);
  });

  it('is hardened: dynamic user in the deluged group, read-only system, no privileges', () => {
    const one = (key: string) => service.get(key)?.at(-1);
    expect(one('DynamicUser')).toBe('yes');
    expect(one('SupplementaryGroups')).toBe('debian-deluged');
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('CapabilityBoundingSet')).toBe('');
    expect(one('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
  });

  it('rates OK (below 2.0) in systemd-analyze security', () => {
    const copy = join(scratch, 'rated', 'deluge-exporter.service');
    spawnSync('mkdir', ['-p', join(scratch, 'rated')]);
    copyFileSync(UNIT, copy);
    const rated = spawnSync('systemd-analyze', ['security', '--offline=yes', copy], { encoding: 'utf8' });
    const score = /Overall exposure level for deluge-exporter\.service: ([\d.]+)/.exec(rated.stdout)?.[1];
    expect(Number(score)).toBeLessThan(2);
  });
});
