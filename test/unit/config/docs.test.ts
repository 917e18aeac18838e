import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { configFileSchema } from '../../../src/config/schema.js';

const root = new URL('../../../', import.meta.url);

interface SchemaDef {
  readonly type: string;
  readonly shape?: Record<string, z.ZodType>;
  readonly innerType?: z.ZodType;
  readonly element?: z.ZodType;
}

/** Every key path of the config schema (`daemons[].tls.ca_file`), walking through optional/default wrappers. */
function keyPaths(schema: z.ZodType, prefix = ''): string[] {
  const def = (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
  if (def.innerType !== undefined) return keyPaths(def.innerType, prefix);
  if (def.type === 'array' && def.element !== undefined) return keyPaths(def.element, `${prefix}[]`);
  if (def.type === 'object' && def.shape !== undefined) {
    return Object.entries(def.shape).flatMap(([key, child]) => {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const below = keyPaths(child, path);
      return below.length === 0 ? [path] : below;
    });
  }
  return [];
}

function readmeConfigSection(): string {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const start = readme.indexOf('### Configuration reference');
  const end = readme.indexOf('\n### ', start + 1);
  expect(start).toBeGreaterThan(0);
  return readme.slice(start, end);
}

describe('config documentation', () => {
  const paths = keyPaths(configFileSchema);

  it('walks the whole schema', () => {
    expect(paths).toContain('daemons[].tls.fingerprint_sha256');
    expect(paths).toContain('per_torrent.max_torrents');
    expect(paths.length).toBeGreaterThan(20);
  });

  it('names every key in the README reference table', () => {
    const section = readmeConfigSection();
    for (const path of paths) {
      const key = path.slice(path.lastIndexOf('.') + 1).replace('[]', '');
      expect(section, `README lacks ${path}`).toMatch(new RegExp(`\`[^\`]*\\b${key}\\b[^\`]*\``));
    }
  });

  it('documents every key in docs/configuration.md', () => {
    const docs = readFileSync(new URL('docs/configuration.md', root), 'utf8');
    for (const path of paths) {
      const key = path.slice(path.lastIndexOf('.') + 1).replace('[]', '');
      expect(docs, `docs/configuration.md lacks ${path}`).toMatch(new RegExp(`\\b${key}:`));
    }
  });
});
