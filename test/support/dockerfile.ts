import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** One Dockerfile instruction: upper-cased keyword and its argument text, continuation lines joined. */
export interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** One build stage: its `FROM` image, its name (`AS name`) and its instructions after `FROM`. */
export interface Stage {
  readonly image: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

/** A line that is neither a comment, blank, nor `KEYWORD args`. */
export class DockerfileSyntaxError extends Error {
  override readonly name = 'DockerfileSyntaxError';
}

/** Splits a Dockerfile into stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): Stage[] {
  const lines = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => line.trim() !== '');
  const stages: { image: string; name: string | undefined; instructions: Instruction[] }[] = [];
  for (const line of lines) {
    const match = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (match === null) throw new DockerfileSyntaxError(`not a Dockerfile instruction: ${JSON.stringify(line)}`);
    const instruction = { keyword: (match[1] as string).toUpperCase(), args: (match[2] as string).trim() };
    if (instruction.keyword === 'FROM') {
      const [image = '', as, name] = instruction.args.split(/\s+/);
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else {
      const current = stages.at(-1);
      if (current === undefined) throw new DockerfileSyntaxError(`${instruction.keyword} before the first FROM`);
      current.instructions.push(instruction);
    }
  }
  return stages;
}

/** The argument texts of a stage's instructions with this keyword. */
export function argsOf(stage: Stage, keyword: string): string[] {
  return stage.instructions.filter((instruction) => instruction.keyword === keyword).map(({ args }) => args);
}

/** The environment a stage's `ENV NAME=value` instructions set (one pair per instruction). */
export function envOf(stage: Stage): Record<string, string> {
  return Object.fromEntries(argsOf(stage, 'ENV').map((pair) => pair.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** The runtime (last) stage of the repository's Dockerfile. */
export function imageRuntimeStage(repoRoot: string): Stage {
  const stage = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')).at(-1);
  if (stage === undefined) throw new DockerfileSyntaxError(`${join(repoRoot, 'Dockerfile')} has no FROM`);
  return stage;
}

/** A `COPY [--from=STAGE] SOURCE... DEST` instruction. */
export interface Copy {
  readonly from: string | undefined;
  readonly sources: readonly string[];
  readonly destination: string;
}

export function copiesOf(stage: Stage): Copy[] {
  return argsOf(stage, 'COPY').map((args) => {
    const words = args.split(/\s+/);
    const fromFlag = words[0]?.startsWith('--from=') ? words.shift() : undefined;
    const destination = words.pop() ?? '';
    return { from: fromFlag?.slice('--from='.length), sources: words, destination };
  });
}

/** The JSON (exec) form of ENTRYPOINT or `HEALTHCHECK ... CMD [...]`. */
export function execForm(text: string): string[] {
  const json = text.slice(text.indexOf('['));
  return JSON.parse(json) as string[];
}
