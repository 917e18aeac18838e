import type { ErrorCode } from 'yaml';

/** A password-like token; no error message, log line or HTTP answer may contain it. */
export const SECRET_TOKEN = 'Hunter2-sEcReT-91';

const daemon = (passwordLine: string) => `daemons:\n  - username: exporter\n    ${passwordLine}\n`;

/**
 * One config text per error code of the yaml library, each with {@link SECRET_TOKEN} at or next to the
 * error. Typed as a record over `ErrorCode`, so a library upgrade that adds a code fails the typecheck
 * until a case is added here.
 */
export const YAML_ERROR_CASES: Readonly<Record<ErrorCode, string>> = {
  ALIAS_PROPS: daemon(`password: &x *${SECRET_TOKEN}`),
  BAD_ALIAS: daemon(`password: &${SECRET_TOKEN}: x`),
  BAD_COLLECTION_TYPE: daemon(`password: !!omap {${SECRET_TOKEN}: 1}`),
  BAD_DIRECTIVE: `%${SECRET_TOKEN} x\n---\n${daemon('password: x')}`,
  BAD_DQ_ESCAPE: daemon(`password: "\\q${SECRET_TOKEN}"`),
  BAD_INDENT: daemon(`password: [${SECRET_TOKEN}`),
  BAD_PROP_ORDER: `daemons: { &a ? password: ${SECRET_TOKEN} }\n`,
  BAD_SCALAR_START: daemon(`password: @${SECRET_TOKEN}`),
  BLOCK_AS_IMPLICIT_KEY: daemon(`password: ${SECRET_TOKEN}: x: y`),
  BLOCK_IN_FLOW: `daemons: [ { username: a, password: [\n - ${SECRET_TOKEN} ] } ]\n`,
  DUPLICATE_KEY: daemon(`password: ${SECRET_TOKEN}\n    password: ${SECRET_TOKEN}`),
  IMPOSSIBLE: daemon(`[password,\n ${SECRET_TOKEN}]: x`),
  KEY_OVER_1024_CHARS: daemon(`password: x\n    ${'k'.repeat(1100)}${SECRET_TOKEN}: 1`),
  MISSING_CHAR: daemon(`password: "${SECRET_TOKEN}`),
  MULTILINE_IMPLICIT_KEY: daemon(`password\n      ${SECRET_TOKEN}: x`),
  MULTIPLE_ANCHORS: daemon(`password: &a &b ${SECRET_TOKEN}`),
  MULTIPLE_DOCS: `${daemon('password: x')}---\npassword: ${SECRET_TOKEN}\n`,
  MULTIPLE_TAGS: daemon(`password: !!str !!str ${SECRET_TOKEN}`),
  NON_STRING_KEY: daemon(`password: {[${SECRET_TOKEN}]: 1}`),
  RESOURCE_EXHAUSTION: `${daemon(`password: ${SECRET_TOKEN}`)}x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
  TAB_AS_INDENT: `daemons:\n  - username: a\n\tpassword: ${SECRET_TOKEN}\n`,
  TAG_RESOLVE_FAILED: daemon(`password: !${SECRET_TOKEN} x`),
  UNEXPECTED_TOKEN: daemon(`password: |${SECRET_TOKEN}`),
};

/**
 * Config texts whose problem is found after parsing (or by the issue's examples), each holding the token:
 * an alias without anchor, folded/literal block headers, a mistyped line, an unknown key holding it.
 */
export const OTHER_SECRET_CASES: Readonly<Record<string, string>> = {
  'unresolved alias': daemon(`password: *${SECRET_TOKEN}`),
  'literal block header': daemon(`password: |${SECRET_TOKEN}`),
  'folded block header': daemon(`password: >${SECRET_TOKEN}`),
  'line without colon': `daemons:\n  - password ${SECRET_TOKEN}\n`,
  'colon without space': daemon(`password:${SECRET_TOKEN}`),
  'password as a list': daemon(`password: [${SECRET_TOKEN}]`),
  'password as a mapping': daemon(`password: {${SECRET_TOKEN}: 1}`),
  'collection key': daemon(`? [${SECRET_TOKEN}]\n    : 1`),
};
