import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './exporter-process.js';

/** The package's files as a fresh build ships them: package.json, the lockfile, data/ and a compiled dist/. */
export function stagePackage(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(REPO_ROOT, file), join(dir, file));
  cpSync(join(REPO_ROOT, 'data'), join(dir, 'data'), { recursive: true });
  // `npm run build`'s settings, written elsewhere so that no other build in the work tree is disturbed.
  execFileSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(dir, 'dist')],
    { cwd: REPO_ROOT, stdio: 'pipe' },
  );
}

/** `npm pack` of a staged package into `destination`; returns the tarball's path. */
export function packPackage(stagedDir: string, destination: string): string {
  const output = execFileSync('npm', ['pack', '--silent', '--pack-destination', destination], {
    cwd: stagedDir,
    encoding: 'utf8',
  });
  const tarball = output.trim().split('\n').at(-1) ?? '';
  return join(destination, tarball);
}

/** The packages under a node_modules directory (scoped ones as `@scope/name`), nested ones included. */
export function installedPackages(nodeModules: string): string[] {
  const found: string[] = [];
  const visit = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        visit(path, `${prefix}${entry.name}/`);
        continue;
      }
      found.push(`${prefix}${entry.name}`);
      const nested = join(path, 'node_modules');
      if (isDirectory(nested)) visit(nested, `${prefix}${entry.name}/node_modules/`);
    }
  };
  visit(nodeModules, '');
  return found.sort();
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The lockfile's production packages, as paths below node_modules (e.g. `pino`, `a/node_modules/b`). */
export function lockfileProductionPackages(): string[] {
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean; optional?: boolean }>;
  };
  // As `npm ci --omit=dev --omit=optional` installs: no dev, optional or dev-or-optional package.
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && !entry.dev && !entry.optional && !entry.devOptional)
    .map(([path]) => path.replace(/^node_modules\//, ''))
    .sort();
}

/** Total size in bytes of the files below `dir`. */
export function directoryBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** The Node.js binary of a version from scripts/node-versions.txt, fetched once (scripts/fetch-node.sh). */
export function nodeBinary(version: string): string {
  return execFileSync('bash', [join(REPO_ROOT, 'scripts/fetch-node.sh'), version], { encoding: 'utf8' }).trim();
}

/** The Node.js versions CI runs the unit tests on (scripts/node-versions.txt). */
export function testedNodeVersions(): string[] {
  return readFileSync(join(REPO_ROOT, 'scripts/node-versions.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
