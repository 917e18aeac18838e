/**
 * Tolerant readers for decoded Deluge answers. Answers are untyped data from the wire: a field may be
 * missing, of another type, or a BigInt (rencode's 64-bit ints). These readers never throw; a value of
 * the wrong shape reads as `undefined` and the caller skips the sample it would have produced.
 */

/** A decoded dict as a plain record; Maps (dicts with non-string keys) keep their string keys. */
export function asRecord(value: unknown): Readonly<Record<string, unknown>> | undefined {
  if (value instanceof Map) {
    const record: Record<string, unknown> = {};
    for (const [key, entry] of value) {
      if (typeof key !== 'string') continue;
      // An own `__proto__` property, as the decoder makes for a plain dict; never the prototype.
      if (key === '__proto__')
        Object.defineProperty(record, key, { value: entry, writable: true, enumerable: true, configurable: true });
      else record[key] = entry;
    }
    return record;
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value)) {
    return value as Record<string, unknown>;
  }
  return undefined;
}

/** A finite number (BigInt converted, beyond ±1.8e308 refused; booleans as 0/1), else `undefined`. Strings are never parsed. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'bigint') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

/** A string, else `undefined`. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A boolean; Deluge sometimes sends 0/1 ints for flags. Else `undefined`. */
export function asBoolean(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return Number(value) !== 0;
  return undefined;
}

/** A list of strings (tuples decode as arrays); non-string items are dropped. */
export function asStringList(value: unknown): string[] | undefined {
  if (!Array.isArray(value)) return undefined;
  return value.filter((item): item is string => typeof item === 'string');
}
