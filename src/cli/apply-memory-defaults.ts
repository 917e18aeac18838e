/**
 * Sets the V8 memory defaults (./memory-defaults.ts) in this process. `cli.ts` imports this module
 * first, so it runs before the other modules load and grow the heap.
 */
import { setFlagsFromString } from 'node:v8';
import { heapFlagsInEffect, memoryFlagsToSet } from './memory-defaults.js';

const setByExporter = memoryFlagsToSet(
  process.execArgv,
  process.env.NODE_OPTIONS,
  Number(process.versions.node.split('.')[0]),
);
for (const flag of setByExporter) setFlagsFromString(flag);

/** The heap-sizing and compiler flags this process runs with, for the start-up log line. */
export const HEAP_FLAGS: readonly string[] = heapFlagsInEffect(
  process.execArgv,
  process.env.NODE_OPTIONS,
  setByExporter,
);
