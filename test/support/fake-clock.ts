/**
 * Helpers for tests on vitest's fake timers that fake only setTimeout, clearTimeout and Date: socket
 * I/O still runs for real, and setImmediate is left alone to let it.
 */

/** The fake timers these tests install: the deadlines, delays and clocks; not setImmediate. */
export const FAKE_CLOCK = { toFake: ['setTimeout', 'clearTimeout', 'Date'] } satisfies {
  toFake: ('setTimeout' | 'clearTimeout' | 'Date')[];
};

/** Lets real socket I/O run while the fake clock stands still, until `condition` holds. */
export async function untilIo(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
}

/** What `promise` has settled to by now (after I/O callbacks already queued), or 'still waiting'. */
export function settledNow<T>(promise: Promise<T>): Promise<T | 'still waiting'> {
  return Promise.race([
    promise,
    new Promise<'still waiting'>((resolve) => setImmediate(() => resolve('still waiting'))),
  ]);
}
