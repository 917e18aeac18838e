/**
 * The settings object of a Deluge config file (`core.conf`), which holds two concatenated JSON objects:
 * `{"file": 1, "format": 1}` then the settings. Returns `undefined` when the text is not that shape.
 */
export function parseDelugeConfigFile(text: string): Record<string, unknown> | undefined {
  const end = endOfFirstObject(text);
  if (end === undefined) return undefined;
  try {
    const settings: unknown = JSON.parse(text.slice(end));
    return typeof settings === 'object' && settings !== null && !Array.isArray(settings)
      ? (settings as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** The index just after the first top-level `{...}` (strings and escapes respected). */
function endOfFirstObject(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (inString) {
      if (char === '\\') index += 1;
      else if (char === '"') inString = false;
    } else if (char === '"') {
      inString = true;
    } else if (char === '{') {
      depth += 1;
    } else if (char === '}') {
      depth -= 1;
      if (depth === 0) return index + 1;
      if (depth < 0) return undefined;
    }
  }
  return undefined;
}
