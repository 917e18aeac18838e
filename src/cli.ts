#!/usr/bin/env node
// The V8 memory defaults are set before the exporter's modules load: loading them already grows the
// young generation, which then keeps the size it has when its growth is stopped.
import './cli/apply-memory-defaults.js';

await import('./cli/main.js');
