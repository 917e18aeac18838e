import { inspect } from 'node:util';

/**
 * A secret string (password) that never prints itself: JSON, util.inspect, template strings and
 * pino all see `[REDACTED]`. Call `reveal()` only where the value goes onto the wire.
 */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  reveal(): string {
    return this.#value;
  }
  toString(): string {
    return '[REDACTED]';
  }
  toJSON(): string {
    return '[REDACTED]';
  }
  [inspect.custom](): string {
    return '[REDACTED]';
  }
}
