/** Keys written first, in this order; the rest follow in the order pino wrote them. */
const LEADING_KEYS = ['time', 'level', 'msg'] as const;

/** A logfmt value: bare when it has no space, quote, `=` or control character; else quoted with escapes. */
function formatValue(value: unknown): string {
  const text =
    typeof value === 'string'
      ? value
      : value === null || typeof value !== 'object'
        ? String(value)
        : JSON.stringify(value);
  if (text !== '' && !/[\s"=\\\p{Cc}]/u.test(text)) return text;
  return JSON.stringify(text);
}

/**
 * Fields as logfmt pairs: the `err` pino serialises becomes its message plus `err_type`, `err_code`,
 * `err_kind`; another object becomes one pair per entry (`error_kind=…`); lists stay JSON text.
 */
function flatten(key: string, value: unknown): [string, unknown][] {
  if (key === 'err' && typeof value === 'object' && value !== null && 'message' in value) {
    const error = value as Record<string, unknown>;
    return [
      ['err', error.message],
      ...(['type', 'code', 'kind'] as const)
        .filter((field) => error[field] !== undefined && error[field] !== '')
        .map((field): [string, unknown] => [`err_${field}`, error[field]]),
    ];
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    return Object.entries(value).map(([inner, innerValue]): [string, unknown] => [`${key}_${inner}`, innerValue]);
  }
  return [[key, value]];
}

/**
 * One pino log record (parsed JSON) as a logfmt line: `time=… level=info msg="…" daemon=a`, then the
 * other fields (see {@link flatten}).
 */
export function formatLogfmtLine(record: Readonly<Record<string, unknown>>): string {
  const keys = [
    ...LEADING_KEYS.filter((key) => key in record),
    ...Object.keys(record).filter((key) => !(LEADING_KEYS as readonly string[]).includes(key)),
  ];
  const pairs = keys.flatMap((key) => flatten(key, record[key]));
  return `${pairs.map(([key, value]) => `${key}=${formatValue(value)}`).join(' ')}\n`;
}
