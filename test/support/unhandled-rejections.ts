/** Helpers for tests that assert on promise rejections, expected and unexpected. */
import { afterAll, beforeAll } from 'vitest';

/**
 * Records every unhandled rejection while the calling test file runs (registers its own beforeAll/afterAll).
 * Returns the live list of reasons, for an `expect(list).toEqual([])` after each test.
 */
export function trackUnhandledRejections(): readonly unknown[] {
  const reasons: unknown[] = [];
  const record = (reason: unknown): void => {
    reasons.push(reason);
  };
  beforeAll(() => {
    process.on('unhandledRejection', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
  });
  return reasons;
}

/** The reason `promise` rejects with; throws (failing the test) if it fulfils instead. */
export async function rejectionOf<E = Error>(promise: Promise<unknown>): Promise<E> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error as E,
  );
}
