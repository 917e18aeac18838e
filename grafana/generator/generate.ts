/**
 * `npm run dashboards`: writes grafana/dashboards/*.json from the TypeScript dashboards here, then the
 * Kubernetes ConfigMap that ships them (scripts/gen-k8s-manifests.ts). A unit test fails when the
 * committed JSON differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderDashboard } from './dashboard.js';
import { DASHBOARDS } from './dashboards.js';

const directory = fileURLToPath(new URL('../dashboards/', import.meta.url));
for (const [file, build] of DASHBOARDS) writeFileSync(`${directory}${file}`, renderDashboard(build()));
