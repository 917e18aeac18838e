import {
  type Document,
  type ErrorCode,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import { ConfigError } from './errors.js';
import { formatKeyPath } from './validation.js';

/**
 * What each YAML error code means, in our words. The yaml library's own messages quote the source text
 * around the error (the first line of some quotes the offending token, e.g. `|secret`), and that text
 * may be a password: they are never shown.
 */
const YAML_PROBLEMS: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: 'an alias (*name) cannot have an anchor or a tag',
  BAD_ALIAS: 'invalid anchor or alias name',
  BAD_COLLECTION_TYPE: 'a tag is used on the wrong kind of collection',
  BAD_DIRECTIVE: 'unknown or invalid % directive',
  BAD_DQ_ESCAPE: 'invalid escape sequence in a double-quoted string',
  BAD_INDENT: 'wrong indentation',
  BAD_PROP_ORDER: 'an anchor or tag is placed before an indicator (?, :, -)',
  BAD_SCALAR_START: 'a plain value starts with a reserved character (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'nested mapping on one line (quote values that contain ": ")',
  BLOCK_IN_FLOW: 'a block value inside [ ] or { }',
  DUPLICATE_KEY: 'duplicate key',
  IMPOSSIBLE: 'unparsable content',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a closing quote, bracket, comma or ":" is missing',
  MULTILINE_IMPLICIT_KEY: 'a key spans several lines',
  MULTIPLE_ANCHORS: 'a value has more than one anchor',
  MULTIPLE_DOCS: 'more than one YAML document (---); the config is one document',
  MULTIPLE_TAGS: 'a value has more than one tag',
  NON_STRING_KEY: 'a key is a list or mapping, not a string',
  RESOURCE_EXHAUSTION: 'nested too deeply',
  TAB_AS_INDENT: 'a tab used for indentation (use spaces)',
  TAG_RESOLVE_FAILED: 'unknown tag (!...) or a value that does not fit its tag (quote values starting with !)',
  UNEXPECTED_TOKEN:
    'unexpected characters (quote values starting with |, >, *, &, !, %, @ or `, or containing ": " or " #")',
};

/**
 * Parses the YAML text of a config file into plain data.
 *
 * @throws {ConfigError} naming the file, line, column and key path of the first problem, and what it is in
 *   general terms; never the source text
 */
export function parseYamlConfig(text: string, path: string, knownKeys: ReadonlySet<string>): unknown {
  const lineCounter = new LineCounter();
  // logLevel 'error' keeps the library from writing warnings (which quote keys) to stderr.
  const document = parseDocument(text, { uniqueKeys: true, stringKeys: true, logLevel: 'error', lineCounter });
  const problem = [...document.errors, ...document.warnings][0];
  const fail = (offset: number, what: string) => {
    const { line, col } = lineCounter.linePos(offset);
    return new ConfigError(
      path,
      keyPathAt(document.contents, offset, knownKeys),
      `invalid YAML at line ${line}, column ${col}: ${what}`,
    );
  };
  if (problem !== undefined) throw fail(problem.pos[0], YAML_PROBLEMS[problem.code]);
  const unresolved = firstUnresolvedAlias(document);
  if (unresolved !== undefined) throw fail(unresolved, 'an alias (*name) refers to no anchor (&name) before it');
  try {
    return document.toJS({ maxAliasCount: 100 });
  } catch {
    throw new ConfigError(path, '', 'invalid YAML: aliases expand too much');
  }
}

function firstUnresolvedAlias(document: Document): number | undefined {
  let offset: number | undefined;
  visit(document, {
    Alias(_key, alias) {
      if (alias.resolve(document) !== undefined) return undefined;
      offset = alias.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/**
 * The key path (`daemons[0].password`) of the innermost entry at `offset`: in every mapping or list, the
 * last entry starting at or before it. Only `knownKeys` are shown: an unknown one may be part of a password (`password: a: b`).
 */
export function keyPathAt(root: unknown, offset: number, knownKeys: ReadonlySet<string>): string {
  const path: (string | number)[] = [];
  let node: unknown = root;
  for (;;) {
    if (isMap(node)) {
      const pair = lastStartingBefore(
        node.items.filter(isPair),
        (item) => (item.key as Node | null)?.range?.[0],
        offset,
      );
      const key = isScalar(pair?.key) ? pair.key.value : undefined;
      if (pair === undefined || typeof key !== 'string' || !knownKeys.has(key)) break;
      path.push(key);
      node = pair.value;
    } else if (isSeq(node)) {
      const items = node.items as unknown[];
      const item = lastStartingBefore(items, (entry) => (entry as Node | null)?.range?.[0], offset);
      if (item === undefined) break;
      path.push(items.indexOf(item));
      node = item;
    } else {
      break;
    }
    if (isAlias(node)) break;
  }
  return formatKeyPath(path);
}

function lastStartingBefore<T>(
  items: readonly T[],
  start: (item: T) => number | undefined,
  offset: number,
): T | undefined {
  let found: T | undefined;
  for (const item of items) {
    const at = start(item);
    if (at !== undefined && at <= offset) found = item;
  }
  return found;
}
