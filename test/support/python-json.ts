/**
 * JSON text as Python's `json.dumps` writes it with its defaults, which is what deluge-web sends:
 * `", "` and `": "` separators, every non-ASCII character as `\uXXXX` (`ensure_ascii`), and floats
 * with a fraction part (`-1.0`), marked here with {@link PyFloat} since JavaScript has one number type.
 */

/** A Python float: written with a fraction part even when integral (`-1.0`, `0.0`). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** What {@link pythonJson} writes. */
export type PyJson =
  | null
  | boolean
  | number
  | string
  | PyFloat
  | readonly PyJson[]
  | { readonly [key: string]: PyJson };

function floatText(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  // Python's repr switches to exponent notation from 1e16 on; below that an integral float ends in ".0".
  return Number.isInteger(value) && Math.abs(value) < 1e16 ? value.toFixed(1) : String(value);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function stringText(value: string): string {
  let out = '"';
  for (let index = 0; index < value.length; index++) {
    const char = value.charAt(index);
    const code = value.charCodeAt(index);
    const escaped = ESCAPES[char];
    if (escaped !== undefined) out += escaped;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return `${out}"`;
}

/** `value` as `json.dumps(value)` writes it (UTF-16 code units above U+FFFF as two escapes, as Python does). */
export function pythonJson(value: PyJson): string {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (value instanceof PyFloat) return floatText(value.value);
  if (typeof value === 'number') return Number.isInteger(value) ? String(value) : floatText(value);
  if (typeof value === 'string') return stringText(value);
  if (Array.isArray(value)) return `[${value.map(pythonJson).join(', ')}]`;
  const entries = Object.entries(value as { readonly [key: string]: PyJson });
  return `{${entries.map(([key, item]) => `${stringText(key)}: ${pythonJson(item)}`).join(', ')}}`;
}

/** `repr(value)` of a decoded JSON value, as deluge-web quotes a request in its "missing param" error. */
export function pythonRepr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (value === true) return 'True';
  if (value === false) return 'False';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
  if (Array.isArray(value)) return `[${value.map(pythonRepr).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>);
  return `{${entries.map(([key, item]) => `${pythonRepr(key)}: ${pythonRepr(item)}`).join(', ')}}`;
}
