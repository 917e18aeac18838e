import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPromtool } from '../../support/promtool.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const RULES = join(root, 'examples/reference-exporter-rules.yml');
const TESTS = join(root, 'test/fixtures/rules/reference-exporter-rules.test.yml');

describe('examples/reference-exporter-rules.yml', () => {
  it('is valid and passes its promtool unit tests', { timeout: 30_000 }, () => {
    const check = runPromtool(['check', 'rules', RULES]);
    expect(check.output).toContain('SUCCESS: 29 rules found');
    const test = runPromtool(['test', 'rules', TESTS]);
    expect([test.status, test.output]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  it('the unit tests fail when a rule maps to the wrong metric', { timeout: 30_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'reference-rules-'));
    try {
      mkdirSync(join(dir, 'examples'));
      mkdirSync(join(dir, 'test/fixtures/rules'), { recursive: true });
      const broken = readFileSync(RULES, 'utf8').replace(
        'expr: deluge_torrent_completed_bytes *',
        'expr: deluge_torrent_peers_connected *',
      );
      writeFileSync(join(dir, 'examples/reference-exporter-rules.yml'), broken);
      cpSync(TESTS, join(dir, 'test/fixtures/rules/reference-exporter-rules.test.yml'));
      const test = runPromtool(['test', 'rules', join(dir, 'test/fixtures/rules/reference-exporter-rules.test.yml')]);
      expect(test.status).not.toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
