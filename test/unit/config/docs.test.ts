import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configFileSchema } from '../../../src/config/schema.js';
import { schemaKeys } from '../../../src/config/validation.js';

const root = new URL('../../../', import.meta.url);

/** How the docs write a default: `[]`, `true`, `10`, `127.0.0.1`. */
function written(value: unknown): string {
  return Array.isArray(value) ? JSON.stringify(value) : String(value);
}

/**
 * The README's configuration table as full key path → default cell. A row names one key in full and
 * may add siblings (`` `daemons[].host` / `port` ``), whose defaults are in the same order.
 */
function readmeTable(): Map<string, string> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const start = readme.indexOf('### Configuration reference');
  const end = readme.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  const rows = new Map<string, string>();
  for (const line of readme.slice(start, end).split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 4 || !cells[1]?.startsWith('`')) continue;
    const keys = [...(cells[1] ?? '').matchAll(/`([^`]+)`/g)].map((match) => match[1] ?? '');
    const defaults = (cells[2] ?? '').split(' / ');
    const first = keys[0] ?? '';
    const parent = first.includes('.') ? first.slice(0, first.lastIndexOf('.') + 1) : '';
    keys.forEach((key, index) => {
      rows.set(index === 0 ? key : `${parent}${key}`, defaults[index] ?? defaults[0] ?? '');
    });
  }
  return rows;
}

/**
 * docs/configuration.md's reference blocks as full key path → the key's line. Top-level keys and
 * the blocks under `per_torrent:`/`disk:` come from the main block, `daemons[].…` from `<daemon_config>`,
 * nested keys from the mappings they are indented under (`daemons[].web.tls.ca_file`).
 */
function configurationDocLines(): Map<string, string> {
  const docs = readFileSync(new URL('docs/configuration.md', root), 'utf8');
  const lines = new Map<string, string>();
  let section = '';
  // The mappings the current line is inside of, by their indentation (`web:` then `  tls:`).
  let blocks: { indent: number; key: string }[] = [];
  for (const line of docs.split('\n')) {
    if (line.startsWith('### ')) section = line.startsWith('### `<daemon_config>`') ? 'daemons[].' : '';
    if (line.startsWith('#') || line.startsWith('```') || line.trim().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    if (line.trim() !== '') blocks = blocks.filter((block) => block.indent < indent);
    const nested = line.match(/^(\s*)(\w+):\s*$/);
    if (nested) {
      blocks.push({ indent, key: `${nested[2]}.` });
      continue;
    }
    const key = line.match(/^\s*\[?\s*(\w+):/)?.[1];
    if (key !== undefined) lines.set(`${section}${blocks.map((block) => block.key).join('')}${key}`, line);
  }
  return lines;
}

describe('config documentation', () => {
  const keys = schemaKeys(configFileSchema);

  it('walks the whole schema, defaults included', () => {
    const byPath = new Map(keys.map((key) => [key.path, key]));
    expect(byPath.get('daemons[].tls.fingerprint_sha256')?.hasDefault).toBe(false);
    expect(byPath.get('per_torrent.max_torrents')).toEqual({
      path: 'per_torrent.max_torrents',
      hasDefault: true,
      defaultValue: 2000,
    });
    expect(keys.length).toBeGreaterThan(20);
  });

  it('the README table names every key by its full path, with the default the schema declares', () => {
    const table = readmeTable();
    for (const key of keys) {
      const cell = table.get(key.path);
      expect(cell, `README lacks ${key.path}`).toBeDefined();
      if (key.hasDefault) {
        expect(cell, `README default of ${key.path}`).toContain(`\`${written(key.defaultValue)}\``);
      }
    }
    const documentedOnly = [...table.keys()].filter((path) => !keys.some((key) => key.path === path));
    expect(documentedOnly, 'README names keys the schema does not have').toEqual([]);
  });

  it('docs/configuration.md documents every key in its block, with the default the schema declares', () => {
    const lines = configurationDocLines();
    for (const key of keys) {
      const line = lines.get(key.path);
      expect(line, `docs/configuration.md lacks ${key.path}`).toBeDefined();
      if (key.hasDefault) {
        expect(line, `docs/configuration.md default of ${key.path}`).toContain(
          `default = ${written(key.defaultValue)} ]`,
        );
      }
    }
  });
});
