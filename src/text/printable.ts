/**
 * Makes text that came from a daemon (versions, error messages) safe to show a person: no control or
 * bidirectional-override characters that could rewrite a terminal line or reorder a web page, no
 * configured secret, and a bounded length. HTML escaping stays the page's job.
 */

/** Controls (C0, DEL, C1), format characters (zero-width, bidi overrides and isolates) and line/paragraph separators. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;
const WHITESPACE_CONTROLS = /[\t\n\r\v\f]+/g;
const REPLACEMENT = '\ufffd';
const ELLIPSIS = '…';
const REDACTED = '[REDACTED]';

/**
 * `text` with every occurrence of a non-empty secret replaced by `[REDACTED]`, whitespace controls
 * folded to one space, other invisible controls shown as U+FFFD, and cut to `maxLength` code points
 * (the last one an ellipsis when cut).
 */
export function printable(text: string, maxLength: number, secrets: readonly string[] = []): string {
  let result = text;
  for (const secret of secrets) {
    if (secret !== '') result = result.replaceAll(secret, REDACTED);
  }
  // Cut before the per-character work so a megabyte-long string costs no more than a short one.
  const head = result.length > maxLength * 2 + 2 ? result.slice(0, maxLength * 2 + 2) : result;
  const cleaned = head.replace(WHITESPACE_CONTROLS, ' ').replace(UNPRINTABLE, REPLACEMENT);
  const codePoints = Array.from(cleaned);
  const cut = codePoints.length > maxLength || head.length < result.length;
  return cut ? `${codePoints.slice(0, Math.max(0, maxLength - 1)).join('')}${ELLIPSIS}` : cleaned;
}
