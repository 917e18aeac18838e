import { ConfigError } from './errors.js';

/**
 * Reads a file named by a config key.
 * @throws {ConfigError} `<source>: <keyPath>: cannot read <path> (<code>)`
 */
export function readOrThrow(readFile: (path: string) => string, path: string, source: string, keyPath: string): string {
  try {
    return readFile(path);
  } catch (error) {
    throw new ConfigError(source, keyPath, `cannot read ${path} (${errorCode(error)})`);
  }
}

/** The Node.js error code (`ENOENT`) of a failed file operation, else its message. */
export function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}
