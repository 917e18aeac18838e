import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../../..');

/** One line of the picture: the places on it, top line first (0). */
type Layers = readonly (readonly string[])[];

/** The layers block of docs/architecture.md's "Source layout": each line starts with its places. */
function layersFromDocs(markdown: string): Layers {
  const section = markdown.split('## Source layout')[1];
  const block = section?.split('```')[1];
  if (block === undefined) throw new Error('docs/architecture.md has no "## Source layout" code block');
  return block
    .split('\n')
    .map((line) => {
      const places: string[] = [];
      for (const token of line.trim().split(/\s+/)) {
        if (!token.startsWith('src/')) break;
        places.push(token);
      }
      return places;
    })
    .filter((places) => places.length > 0);
}

/** The place a source file belongs to: its folder (`src/rpc/`) or itself when it sits in `src/`. */
function placeOf(file: string): string {
  const folder = `${dirname(file)}/`;
  return folder === 'src/' ? file : folder;
}

/** Relative imports of every file (static, type-only, re-exports and dynamic), as repository paths. */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(readFileSync(join(ROOT, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((name) => name.startsWith('.'))
      .map((name) => relative(ROOT, resolve(ROOT, dirname(file), name)).replace(/\.js$/, '.ts'));
    graph.set(file, targets);
  }
  return graph;
}

/** Every import that breaks the picture: from a place not on it, or not to its own place or one below. */
function layeringProblems(graph: ReadonlyMap<string, readonly string[]>, layers: Layers): string[] {
  const lineOf = new Map(layers.flatMap((places, line) => places.map((place) => [place, line] as const)));
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = placeOf(file);
    const fromLine = lineOf.get(from);
    if (fromLine === undefined) {
      problems.push(`${file}: ${from} is not in docs/architecture.md's source layout`);
      continue;
    }
    for (const target of targets) {
      const to = placeOf(target);
      if (to === from) continue;
      const toLine = lineOf.get(to);
      if (toLine === undefined || toLine <= fromLine) {
        problems.push(`${file} imports ${target}: ${to} is not below ${from}`);
      }
    }
  }
  return problems;
}

/** Each import cycle once, as the files on it (Tarjan's strongly connected components). */
function importCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const lowLink = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    index.set(file, index.size);
    lowLink.set(file, index.get(file)!);
    stack.push(file);
    onStack.add(file);
    for (const target of graph.get(file) ?? []) {
      if (!index.has(target)) {
        visit(target);
        lowLink.set(file, Math.min(lowLink.get(file)!, lowLink.get(target)!));
      } else if (onStack.has(target)) {
        lowLink.set(file, Math.min(lowLink.get(file)!, index.get(target)!));
      }
    }
    if (lowLink.get(file) !== index.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
  };
  for (const file of graph.keys()) if (!index.has(file)) visit(file);
  return cycles;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const layers = layersFromDocs(readFileSync(join(ROOT, 'docs/architecture.md'), 'utf8'));
const files = sourceFiles('src');
const graph = importGraph(files);

describe('the checks themselves', () => {
  const picture: Layers = [['src/top.ts'], ['src/a/', 'src/b/'], ['src/c/']];

  it('finds an upward, a sideways and an unplaced import, and passes a downward one', () => {
    const example = new Map([
      ['src/top.ts', ['src/a/x.ts', 'src/c/y.ts']],
      ['src/c/y.ts', ['src/a/x.ts']],
      ['src/a/x.ts', ['src/b/z.ts', 'src/a/w.ts']],
      ['src/d/v.ts', []],
    ]);
    expect(layeringProblems(example, picture)).toEqual([
      'src/c/y.ts imports src/a/x.ts: src/a/ is not below src/c/',
      'src/a/x.ts imports src/b/z.ts: src/b/ is not below src/a/',
      "src/d/v.ts: src/d/ is not in docs/architecture.md's source layout",
    ]);
  });

  it('finds a cycle within one folder and a file importing itself, not a diamond', () => {
    const example = new Map([
      ['src/a/1.ts', ['src/a/2.ts', 'src/a/3.ts']],
      ['src/a/2.ts', ['src/a/4.ts']],
      ['src/a/3.ts', ['src/a/4.ts']],
      ['src/a/4.ts', []],
      ['src/b/1.ts', ['src/b/2.ts']],
      ['src/b/2.ts', ['src/b/3.ts']],
      ['src/b/3.ts', ['src/b/1.ts']],
      ['src/c/1.ts', ['src/c/1.ts']],
    ]);
    expect(importCycles(example)).toEqual([['src/b/1.ts', 'src/b/2.ts', 'src/b/3.ts'], ['src/c/1.ts']]);
  });

  it('reads the places of each line of the picture, not the words after them', () => {
    expect(
      layersFromDocs('## Source layout\n\n```\nsrc/cli.ts   the entry\nsrc/a/ src/b/   two src/x/ words\n```\n'),
    ).toEqual([['src/cli.ts'], ['src/a/', 'src/b/']]);
  });
});

describe('the source layout of docs/architecture.md', () => {
  it('places the entry points and every folder of src/', () => {
    expect(layers.length).toBeGreaterThan(3);
    const placed = new Set(files.map(placeOf));
    expect([...placed].sort()).toEqual(layers.flat().sort());
    expect([...placed].filter((place) => place.endsWith('.ts')).sort()).toEqual(['src/cli.ts', 'src/server.ts']);
  });

  it('is kept by every import in src/', () => {
    expect(graph.get('src/cli.ts')).toContain('src/cli/main.ts');
    expect(layeringProblems(graph, layers)).toEqual([]);
  });

  it('has no import cycles in src/', () => {
    expect(graph.size).toBe(files.length);
    expect(importCycles(graph)).toEqual([]);
  });

  it('is what each folder README says it may import', () => {
    layers.forEach((places, line) => {
      const below = layers.slice(line + 1).flat();
      for (const folder of places.filter((place) => place.endsWith('/'))) {
        const readme = readFileSync(join(ROOT, folder, 'README.md'), 'utf8');
        const allowed = /^May import: (.*)\.$/m.exec(readme)?.[1];
        expect(allowed, folder).toBe(below.length === 0 ? 'nothing outside itself' : below.join(', '));
      }
    });
  });
});
