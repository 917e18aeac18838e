/**
 * Object factories for dicts that repeat the same keys in the same order (every torrent of a status
 * answer), so that the decoder builds each of them in one step, with all its properties in place,
 * instead of adding them one by one (a hidden-class transition and a property store that grows).
 */
import type { RencodeDict, RencodeValue } from './rencode-value.js';

/** Builds one dict from `values[base]`, `values[base + 1]` … in the shape's key order. */
export type DictFactory = (values: readonly RencodeValue[], base: number) => RencodeDict;

/** Fewest and most keys a dict needs for a factory: small dicts gain nothing, huge ones are not shapes. */
export const MIN_SHAPE_KEYS = 6;
export const MAX_SHAPE_KEYS = 64;
/** Factories kept (least recently made first out); each answer type has one or two shapes. */
const MAX_FACTORIES = 32;
/** Keys a factory may hold: printable ASCII (so they are safe as JSON string literals), never `__proto__`. */
const FACTORY_KEY = /^[\x20-\x7e]*$/;

const factories = new Map<string, DictFactory>();

/** Whether `keys` may get a factory. */
export function canHaveFactory(keys: readonly string[]): boolean {
  return keys.every((key) => key !== '__proto__' && FACTORY_KEY.test(key));
}

/**
 * The factory for dicts with exactly these keys in this order, from the cache, else compiled when
 * `mayCompile` (callers bound how many compiles one answer may cause), else undefined.
 * Call only for keys that {@link canHaveFactory}: each key is written as a JSON string literal, and
 * literal `__proto__` would set the prototype instead of a property.
 */
export function factoryFor(keys: readonly string[], mayCompile: boolean): DictFactory | undefined {
  const id = keys.join('\u0000');
  const known = factories.get(id);
  if (known !== undefined || !mayCompile) return known;
  const body = keys.map((key, index) => `${JSON.stringify(key)}: values[base + ${index}]`).join(',\n');
  const factory = new Function('values', 'base', `return {\n${body}\n};`) as DictFactory;
  if (factories.size >= MAX_FACTORIES) factories.delete(factories.keys().next().value as string);
  factories.set(id, factory);
  return factory;
}
