import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { ConfigError } from '../../../src/config/errors.js';
import { loadConfig } from '../../../src/config/load.js';
import { OTHER_SECRET_CASES, SECRET_TOKEN, YAML_ERROR_CASES } from '../../support/yaml-secret-cases.js';

const PATH = '/etc/deluge-exporter/config.yaml';

function configErrorFor(text: string): ConfigError {
  try {
    loadConfig({ argvConfigPath: PATH, env: {}, readFile: () => text, homedir: '/nonexistent', platform: 'linux' });
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('YAML errors never show the source text', () => {
  it.each(Object.entries(YAML_ERROR_CASES))('%s: file, line, column and key path, no token', (code, text) => {
    // The case really produces this error code in the library (with its token-quoting message).
    const document = parseDocument(text, { uniqueKeys: true, stringKeys: true, logLevel: 'error' });
    const problems = [...document.errors, ...document.warnings];
    expect(problems.map((problem) => problem.code)).toContain(code);
    const libraryMessage = problems.find((problem) => problem.code === code)?.message ?? '';
    const first = problems[0];
    if (first === undefined) throw new Error('no problem');

    const error = configErrorFor(text);
    const { line, col } = first.linePos?.[0] ?? { line: 0, col: 0 };
    // Where the library gives up on deep nesting depends on the stack left at its call (Node version,
    // caller depth), so for RESOURCE_EXHAUSTION only the line is fixed.
    const column = code === 'RESOURCE_EXHAUSTION' ? '\\d+' : String(col);
    expect(error.message).toMatch(
      new RegExp(`^${PATH}: (?:[\\w.\\[\\]-]+: )?invalid YAML at line ${line}, column ${column}: [^\\n]+$`),
    );
    expect(error.source).toBe(PATH);
    expect(error.message).not.toContain(SECRET_TOKEN);
    expect(error.stack).not.toContain(SECRET_TOKEN);
    // The library's message does quote the token where it sits on the error line: the test would catch a leak.
    if (libraryMessage.includes(SECRET_TOKEN)) expect(error.message).not.toContain(libraryMessage.split('\n')[0]);
  });

  it('names the key path of the error', () => {
    expect(configErrorFor(YAML_ERROR_CASES.UNEXPECTED_TOKEN).keyPath).toBe('daemons[0].password');
    expect(configErrorFor(YAML_ERROR_CASES.DUPLICATE_KEY).keyPath).toBe('daemons[0].password');
    expect(configErrorFor(YAML_ERROR_CASES.MISSING_CHAR).message).toBe(
      `${PATH}: daemons[0].password: invalid YAML at line 4, column 1: a closing quote, bracket, comma or ":" is missing`,
    );
    expect(configErrorFor(YAML_ERROR_CASES.UNEXPECTED_TOKEN).message).toBe(
      `${PATH}: daemons[0].password: invalid YAML at line 3, column 16: unexpected characters ` +
        '(quote values starting with |, >, *, &, !, %, @ or `, or containing ": " or " #")',
    );
  });

  it.each(Object.entries(OTHER_SECRET_CASES))('%s: a ConfigError without the token', (_name, text) => {
    const error = configErrorFor(text);
    expect(error.message).not.toContain(SECRET_TOKEN);
    expect(error.stack).not.toContain(SECRET_TOKEN);
  });

  it('an alias to no anchor is reported at its position', () => {
    expect(configErrorFor(OTHER_SECRET_CASES['unresolved alias'] ?? '').message).toBe(
      `${PATH}: daemons[0].password: invalid YAML at line 3, column 15: an alias (*name) refers to no anchor (&name) before it`,
    );
  });

  it('an alias bomb is refused without expanding it', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level += 1) {
      const previous = String.fromCharCode(96 + level);
      levels.push(
        `${String.fromCharCode(97 + level)}: &${String.fromCharCode(97 + level)} [${Array(10).fill(`*${previous}`).join(', ')}]`,
      );
    }
    expect(configErrorFor(`${levels.join('\n')}\n`).message).toBe(`${PATH}: invalid YAML: aliases expand too much`);
  });
});
