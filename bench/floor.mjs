// The floor of the footprint rows (bench/footprint.ts): a process that loads only the design's packages
// (express, pino, prom-client) the way the exporter loads its code (dist/cli.js: ES modules), then waits.
import 'express';
import 'pino';
import 'prom-client';

process.stdout.write('loaded\n');
setInterval(() => {}, 60_000);
