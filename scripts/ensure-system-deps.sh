#!/usr/bin/env bash
# Makes sure the Debian packages the integration tests run for real are present.
# As root it installs what is missing with apt-get; otherwise it fails naming the packages.
set -euo pipefail

# command-or-file to check, Debian package that provides it
required=(
  "deluged:deluged"
  "deluge-web:deluge-web"
  "promtool:prometheus"
  "prometheus:prometheus"
  "prometheus-alertmanager:prometheus-alertmanager"
  "python3-module:rencode:python3-rencode"
  "python3-module:libtorrent:python3-libtorrent"
  "chromium:chromium"
  "debootstrap:debootstrap"
  "systemd-analyze:systemd"
)

missing=()
for entry in "${required[@]}"; do
  IFS=: read -r kind a b <<<"$entry"
  if [[ "$kind" == "python3-module" ]]; then
    /usr/bin/python3 -c "import $a" 2>/dev/null || missing+=("$b")
  else
    command -v "$kind" >/dev/null 2>&1 || missing+=("$a")
  fi
done

if ((${#missing[@]} == 0)); then
  exit 0
fi
# de-duplicate
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)

if [[ "$(id -u)" != "0" ]]; then
  echo "error: missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing missing system packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
