// Imports each module named on the command line (in order, as the exporter loads code: ES modules),
// waits 1 s, prints its VmRSS in bytes and exits. Used by bench/resident-cost.ts.
import { readFileSync } from 'node:fs';

for (const specifier of process.argv.slice(2)) await import(specifier);
setTimeout(() => {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  process.stdout.write(`${Number(match?.[1]) * 1024}\n`);
  process.exit(0);
}, 1000);
