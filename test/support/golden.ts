import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { expect } from 'vitest';

/**
 * True only under `npm run golden:update`, whose script sets GOLDEN_UPDATE=1; every other run
 * (plain `vitest`, `--update`, CI or not) compares and never writes.
 */
export const GOLDEN_UPDATE = process.env.GOLDEN_UPDATE === '1';

/**
 * Compares `actual` with the golden file at `path`, byte for byte. A missing or different file fails;
 * with `update` (GOLDEN_UPDATE by default) the file is rewritten instead, for a reviewed diff.
 */
export function expectGolden(path: string, actual: string, update = GOLDEN_UPDATE): void {
  if (update) {
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`${path} is missing: npm run golden:update writes it`);
  expect(actual, `${path} differs; npm run golden:update rewrites it after a deliberate change`).toEqual(
    readFileSync(path, 'utf8'),
  );
}
