import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const packageVersion = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** One Dockerfile instruction: upper-cased keyword and its argument text, continuation lines joined. */
interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

function parseDockerfile(text: string): Instruction[] {
  const logicalLines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '');
  return logicalLines.map((line) => {
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (match === null) throw new Error(`not a Dockerfile instruction: ${JSON.stringify(line)}`);
    return { keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() };
  });
}

const instructions = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stageStarts = instructions.flatMap((instruction, index) => (instruction.keyword === 'FROM' ? [index] : []));
const stages = stageStarts.map((start, index) => instructions.slice(start, stageStarts[index + 1]));
const buildStage = stages[0] ?? [];
const runtimeStage = stages.at(-1) ?? [];
const argsOf = (stage: Instruction[], keyword: string) =>
  stage.filter((instruction) => instruction.keyword === keyword).map((instruction) => instruction.args);
const entrypoint = JSON.parse(argsOf(runtimeStage, 'ENTRYPOINT')[0] ?? 'null') as string[];

describe('Dockerfile', () => {
  it('builds in a node:20-bookworm-slim stage: npm ci, npm run build, npm prune --omit=dev', () => {
    expect(stages.length).toBe(2);
    expect(argsOf(buildStage, 'FROM')).toEqual(['node:20-bookworm-slim AS build']);
    const runs = argsOf(buildStage, 'RUN').join(' && ');
    expect(runs).toMatch(/npm ci.*npm run build.*npm prune --omit=dev/);
  });

  it('runs as a non-root user, exposes 9354 and starts node /app/dist/cli.js', () => {
    expect(argsOf(runtimeStage, 'FROM')).toEqual(['node:20-bookworm-slim']);
    const user = argsOf(runtimeStage, 'USER');
    expect(user.length).toBe(1);
    expect(user[0]).not.toMatch(/^(root|0)(:|$)/);
    expect(argsOf(runtimeStage, 'EXPOSE')).toEqual(['9354']);
    expect(entrypoint).toEqual(['node', '/app/dist/cli.js']);
  });

  it('copies the run-time layout: package.json, production node_modules, dist and data under /app', () => {
    expect(argsOf(runtimeStage, 'WORKDIR')).toEqual(['/app']);
    const copies = argsOf(runtimeStage, 'COPY').join('\n');
    for (const part of ['package.json', 'node_modules', 'dist', 'data']) expect(copies).toContain(`./${part}`);
  });

  it('does not exclude the build inputs in .dockerignore', () => {
    const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const copiedSources = instructions
      .filter((instruction) => instruction.keyword === 'COPY' && !instruction.args.startsWith('--from'))
      .flatMap((instruction) => instruction.args.split(/\s+/).slice(0, -1));
    expect(copiedSources.sort()).toEqual(
      ['data', 'package-lock.json', 'package.json', 'src', 'tsconfig.build.json', 'tsconfig.json'].sort(),
    );
    for (const source of copiedSources) expect(ignored).not.toContain(source);
    expect(ignored).toContain('node_modules');
  });
});

describe('the image entrypoint, run against a fresh build in the image layout', () => {
  let appDir = '';
  let scratch = '';
  /** Runs the ENTRYPOINT command with /app mapped to the scratch layout. */
  const runEntrypoint = (args: string[]) => {
    const [command, script] = entrypoint as [string, string];
    return spawnSync(command, [script.replace(/^\/app\//, `${appDir}/`), ...args], { encoding: 'utf8', cwd: appDir });
  };

  beforeAll(() => {
    scratch = mkdtempSync(join(tmpdir(), 'deluge-exporter-image-'));
    appDir = join(scratch, 'app');
    mkdirSync(appDir);
    // Same compiler settings as `npm run build`, but outside dist/ so that no other build is disturbed.
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', join(appDir, 'dist')],
      { cwd: ROOT, stdio: 'pipe' },
    );
    copyFileSync(join(ROOT, 'package.json'), join(appDir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(appDir, 'node_modules'));
    symlinkSync(join(ROOT, 'data'), join(appDir, 'data'));
  }, 180_000);

  afterAll(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('prints the package version with --version', () => {
    const run = runEntrypoint(['--version']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(`deluge-exporter ${packageVersion}\n`);
  });

  it('validates the Kubernetes ConfigMap config with --check-config', () => {
    const configMap = parseYaml(readFileSync(join(ROOT, 'deploy/k8s/configmap.yaml'), 'utf8')) as {
      data: { 'config.yaml': string };
    };
    const passwordFile = join(scratch, 'seedbox-password');
    writeFileSync(passwordFile, 'not-a-real-password\n');
    const configFile = join(scratch, 'config.yaml');
    writeFileSync(
      configFile,
      configMap.data['config.yaml'].replace('/etc/deluge-exporter/secrets/seedbox-password', passwordFile),
    );
    const run = runEntrypoint(['--config', configFile, '--check-config']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('seedbox');
    expect(run.stdout).not.toContain('not-a-real-password');
  });
});
