import { createRequire } from 'node:module';

// `../../package.json` is the project root both from `src/exporter/` (tsx, vitest) and from `dist/exporter/` (built).
const packageJson: unknown = createRequire(import.meta.url)('../../package.json');

function readVersion(manifest: unknown): string {
  if (typeof manifest === 'object' && manifest !== null && 'version' in manifest) {
    const { version } = manifest;
    if (typeof version === 'string') return version;
  }
  throw new Error('package.json has no string "version" field');
}

/** The exporter's version, from package.json. */
export const VERSION: string = readVersion(packageJson);
