/**
 * What the config schemas (./schema.ts, src/http/web-config.ts) share on top of valibot: mappings
 * that refuse lists and unknown keys, the first violation of an input as a key path and a message,
 * and the key names a schema knows. valibot replaced zod here for its resident memory (0.9 against
 * 6.2 MB on Node 26, docs/benchmarks.md "Footprint").
 */
import * as v from 'valibot';

/** A validation failure: the key path (`daemons[0].port`) and what is wrong. */
export interface SchemaViolation {
  readonly keyPath: string;
  readonly detail: string;
}

/** A message for an issue: built from the offending input (`undefined` when the key is missing). */
export type IssueMessage = (issue: { readonly input: unknown }) => string;

/** Keys of at most 64 word characters, dots and dashes are shown in error messages; others are not. */
export const SHOWABLE_KEY = /^[A-Za-z0-9_.-]{1,64}$/;

/** Renders a key path as `daemons[0].tls.ca_file`. */
export function formatKeyPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) => (typeof part === 'number' ? `[${part}]` : index === 0 ? String(part) : `.${String(part)}`))
    .join('');
}

function isMapping(input: unknown): input is Record<string, unknown> {
  return typeof input === 'object' && input !== null && !Array.isArray(input);
}

/** A mapping with exactly these keys (a list in its place is refused, not read as keys `0`, `1`). */
export function mapping<const Entries extends v.ObjectEntries>(entries: Entries, message: IssueMessage) {
  return v.pipe(v.custom<Record<string, unknown>>(isMapping, message), v.strictObject(entries, message));
}

/** A mapping of any keys to values of `value`. */
export function mappingOf<const Value extends v.GenericSchema>(value: Value, message: IssueMessage) {
  return v.pipe(v.custom<Record<string, unknown>>(isMapping, message), v.record(v.string(), value, message));
}

/** The first violation of `input`, or its validated output. */
export function validate<const Schema extends v.GenericSchema>(
  schema: Schema,
  input: unknown,
): { ok: true; value: v.InferOutput<Schema> } | { ok: false; violation: SchemaViolation } {
  const result = v.safeParse(schema, input, { abortEarly: true });
  if (result.success) return { ok: true, value: result.output };
  const issue = result.issues[0];
  const path = (issue.path ?? []).map((item) => item.key as PropertyKey);
  if (issue.type === 'strict_object' && issue.expected === 'never') {
    // An unknown key: one that is not a short name may be a mistyped `password:secret` line.
    const key = String(path.at(-1) ?? '');
    return SHOWABLE_KEY.test(key)
      ? { ok: false, violation: { keyPath: formatKeyPath(path), detail: 'unknown key' } }
      : { ok: false, violation: { keyPath: formatKeyPath(path.slice(0, -1)), detail: 'unknown key (name not shown)' } };
  }
  return { ok: false, violation: { keyPath: formatKeyPath(path), detail: issue.message } };
}

/** A schema as this module walks it: valibot's public properties of objects, arrays, wrappers and pipes. */
interface WalkedSchema {
  readonly type: string;
  readonly entries?: Readonly<Record<string, WalkedSchema>>;
  readonly item?: WalkedSchema;
  readonly wrapped?: WalkedSchema;
  readonly pipe?: readonly { readonly kind: string }[];
  readonly default?: unknown;
}

/** One key of a schema: its full path (`daemons[].tls.ca_file`) and its default, if it has one. */
export interface SchemaKey {
  readonly path: string;
  readonly hasDefault: boolean;
  readonly defaultValue?: unknown;
}

function declaredDefault(schema: WalkedSchema): { hasDefault: boolean; defaultValue?: unknown } {
  if (schema.default !== undefined) return { hasDefault: true, defaultValue: schema.default };
  if (schema.wrapped !== undefined) return declaredDefault(schema.wrapped);
  return { hasDefault: false };
}

/** Every leaf key of `schema`, walking through optional/nullable wrappers, pipes and lists (`[]`). */
export function schemaKeys(schema: v.GenericSchema, prefix = ''): SchemaKey[] {
  const walked = schema as unknown as WalkedSchema;
  if (walked.wrapped !== undefined) return schemaKeys(walked.wrapped as unknown as v.GenericSchema, prefix);
  if (walked.entries !== undefined) {
    return Object.entries(walked.entries).flatMap(([key, child]) => {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      const below = schemaKeys(child as unknown as v.GenericSchema, path);
      return below.length === 0 ? [{ path, ...declaredDefault(child) }] : below;
    });
  }
  if (walked.type === 'array' && walked.item !== undefined) {
    return schemaKeys(walked.item as unknown as v.GenericSchema, `${prefix}[]`);
  }
  for (const item of walked.pipe ?? []) {
    if (item !== schema && item.kind === 'schema') {
      const keys = schemaKeys(item as unknown as v.GenericSchema, prefix);
      if (keys.length > 0) return keys;
    }
  }
  return [];
}
