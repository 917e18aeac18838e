/**
 * Cutting untrusted text (anything a daemon sent) down to a size that is safe to put in an error
 * message or a log line.
 */

/** Default longest text kept by {@link shortenForLog}. */
export const DEFAULT_LOG_TEXT_CHARS = 200;

/**
 * Returns `text` unchanged when it has at most `max` characters; otherwise its beginning followed
 * by a marker saying how much was cut, the whole at most `max` characters long:
 * `shortenForLog('x'.repeat(5000), 40)` is `'xxxxxxxxxxxxxxxxxxxxx… [4979 more chars]'`.
 *
 * Use it on every string that comes from the network (daemon versions, remote exception messages,
 * unexpected values) before it goes into an `Error` message or a log field, so that a daemon
 * answering with megabytes cannot fill the log. Never splits a UTF-16 surrogate pair.
 *
 * @param max longest result, in UTF-16 code units; at least 24 so the marker fits.
 * @throws RangeError when `max` is not an integer of at least 24.
 */
export function shortenForLog(text: string, max: number = DEFAULT_LOG_TEXT_CHARS): string {
  if (!Number.isInteger(max) || max < 24) throw new RangeError(`max must be an integer of at least 24, got ${max}`);
  if (text.length <= max) return text;
  // The marker's length depends on the count it shows; with the count of the whole text it is never too short.
  let keep = max - marker(text.length).length;
  const code = text.charCodeAt(keep - 1);
  if (code >= 0xd800 && code <= 0xdbff) keep -= 1;
  return `${text.slice(0, keep)}${marker(text.length - keep)}`;
}

function marker(cut: number): string {
  return `… [${cut} more chars]`;
}
