#!/usr/bin/env bash
# The one test command (`npm test`): system packages, types, lint, then every test, unit and integration.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh
echo "== typecheck" >&2
npx tsc -p tsconfig.json --noEmit
echo "== lint" >&2
npx biome check .
echo "== tests" >&2
npx vitest run "$@"
